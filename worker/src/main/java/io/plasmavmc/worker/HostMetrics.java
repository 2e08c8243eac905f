package io.plasmavmc.worker;

import io.plasmavmc.host.SpawnLoad;

/**
 * A host worker's own gauges in Prometheus' text format: its QEMU processes, how many are orphans,
 * and its spawn slots (the limit, those taken, the spawns waiting for one, and those refused
 * HOST_BUSY since the worker started): a host whose spawns wait is a busy host, not a lost one.
 */
final class HostMetrics {
  private HostMetrics() {}

  static String render(String hostId, int qemus, int orphans, SpawnLoad spawns) {
    String host = "{host=\"" + hostId.replace("\\", "\\\\").replace("\"", "\\\"") + "\"} ";
    return gauge("plasmavmc_qemu_processes", "QEMU processes running on this host.", host, qemus)
        + gauge("plasmavmc_orphan_qemu_processes", "QEMU processes on this host that no VM workflow owns.", host, orphans)
        + gauge("plasmavmc_spawn_slots", "QEMUs this host starts at once at most (max concurrent spawns).", host, spawns.limit())
        + gauge("plasmavmc_spawns_running", "QEMUs starting on this host now, each holding a spawn slot.", host, spawns.running())
        + gauge("plasmavmc_spawns_waiting", "Spawns waiting for a spawn slot on this host.", host, spawns.waiting())
        + "# HELP plasmavmc_spawns_refused_busy_total Spawns refused HOST_BUSY: no spawn slot before their deadline.\n"
        + "# TYPE plasmavmc_spawns_refused_busy_total counter\n"
        + "plasmavmc_spawns_refused_busy_total" + host + spawns.refused() + "\n";
  }

  private static String gauge(String name, String help, String labels, long value) {
    return "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + labels + value + "\n";
  }
}
