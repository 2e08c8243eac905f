package io.plasmavmc.contract.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.plasmavmc.contract.spec.InvalidSpecException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Labels as a worker's settings and CreateVm's placement give them: checked alike, a failure naming its field. */
class LabelsTest {
  @Test
  void keyValueItemsAreParsedAndALaterKeyWins() {
    assertEquals(Map.of("zone", "b", "gpu", "none"), Labels.parse(List.of("zone=a", "gpu = none", "zone=b"), "labels"));
    assertEquals(Map.of(), Labels.parse(List.of(), "labels"));
  }

  @Test
  void aBadLabelIsRefusedNamingItsFieldAndKey() {
    assertEquals("placement.labels[zone]",
        assertThrows(InvalidSpecException.class, () -> Labels.checked(Map.of("zone", "a b"), "placement.labels")).field());
    assertEquals("placement.labels",
        assertThrows(InvalidSpecException.class, () -> Labels.checked(Map.of("", "a"), "placement.labels")).field());
    assertEquals("placement.labels[k]",
        assertThrows(InvalidSpecException.class, () -> Labels.checked(Map.of("k", "x".repeat(64)), "placement.labels")).field());
    assertThrows(InvalidSpecException.class, () -> Labels.parse(List.of("zone"), "labels"));
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i <= Labels.MAX_LABELS; i++) {
      many.put("k" + i, "v");
    }
    InvalidSpecException tooMany = assertThrows(InvalidSpecException.class, () -> Labels.checked(many, "placement.labels"));
    assertEquals("placement.labels: at most 16 labels, not 17", tooMany.getMessage());
  }
}
