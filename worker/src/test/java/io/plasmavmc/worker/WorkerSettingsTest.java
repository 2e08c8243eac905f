package io.plasmavmc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A worker's fleet settings: its address and labels, checked before anything starts. */
class WorkerSettingsTest {
  private static WorkerSettings host() {
    return new WorkerSettings("kvm1", null, null, null, "off");
  }

  @Test
  void addressAndLabelsAreKeptAndDefaultToFoundAndNone() {
    assertNull(host().address(), "found at start: the host's primary address");
    assertEquals(Map.of(), host().labels());
    WorkerSettings labelled = host().withFleet("10.0.0.11", Map.of("zone", "a", "gpu", "none"));
    assertEquals("10.0.0.11", labelled.address());
    assertEquals(Map.of("zone", "a", "gpu", "none"), labelled.labels());
  }

  @Test
  void aBadAddressOrLabelIsRefusedNamingIt() {
    IllegalArgumentException label = assertThrows(IllegalArgumentException.class, () -> host().withFleet(null, Map.of("zone", "a b")));
    assertEquals("labels[zone]: a value must be 1-63 characters of letters, digits, '.', '_' or '-'", label.getMessage());
    assertThrows(IllegalArgumentException.class, () -> host().withFleet("10.0.0.11; rm -rf /", Map.of()));
  }

  @Test
  void thePrimaryAddressIsNeverEmpty() {
    assertFalse(PrimaryAddress.find().isBlank());
  }
}
