package io.plasmavmc.worker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.host.SpawnLoad;
import org.junit.jupiter.api.Test;

/** What a host's /metrics says of itself: its QEMUs, its orphans and its spawn slots (a busy host shows its spawns waiting). */
class HostMetricsTest {
  @Test
  void theSpawnSlotsAreGaugesAndTheRefusalsACounter() {
    String text = HostMetrics.render("kvm1", 60, 0, new SpawnLoad(2, 2, 13, 4));
    assertTrue(text.contains("plasmavmc_qemu_processes{host=\"kvm1\"} 60\n"), text);
    assertTrue(text.contains("plasmavmc_orphan_qemu_processes{host=\"kvm1\"} 0\n"), text);
    assertTrue(text.contains("# TYPE plasmavmc_spawn_slots gauge\nplasmavmc_spawn_slots{host=\"kvm1\"} 2\n"), text);
    assertTrue(text.contains("plasmavmc_spawns_running{host=\"kvm1\"} 2\n"), text);
    assertTrue(text.contains("plasmavmc_spawns_waiting{host=\"kvm1\"} 13\n"), text);
    assertTrue(text.contains("# TYPE plasmavmc_spawns_refused_busy_total counter\nplasmavmc_spawns_refused_busy_total{host=\"kvm1\"} 4\n"), text);
  }
}
