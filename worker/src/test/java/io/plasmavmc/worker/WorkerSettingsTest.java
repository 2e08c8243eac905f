package io.plasmavmc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
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
  void underLoadQemuIsNicedAndAWorkflowTaskMayHoldItsThreadTenSeconds() {
    LoadSettings load = host().load();
    assertEquals(19, load.qemuNice(), "the lowest priority: a host full of guests leaves its worker the CPU to keep up");
    assertEquals(Duration.ofSeconds(10), load.deadlockDetectionTimeout(), "not the SDK's 1 s: a starved host is no deadlock");
    assertEquals(new LoadSettings(0, Duration.ofSeconds(30)), host().withLoad(LoadSettings.of(0, Duration.ofSeconds(30))).load());
    assertEquals(load, LoadSettings.of(null, null));
    assertThrows(IllegalArgumentException.class, () -> new LoadSettings(20, null));
    assertThrows(IllegalArgumentException.class, () -> new LoadSettings(5, Duration.ofMillis(500)));
  }

  @Test
  void thePrimaryAddressIsNeverEmpty() {
    assertFalse(PrimaryAddress.find().isBlank());
  }
}
