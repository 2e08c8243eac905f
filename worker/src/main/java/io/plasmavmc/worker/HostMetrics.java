package io.plasmavmc.worker;

/** A host worker's own gauges in Prometheus' text format: its QEMU processes and how many are orphans. */
final class HostMetrics {
  private HostMetrics() {}

  static String render(String hostId, int qemus, int orphans) {
    String host = hostId.replace("\\", "\\\\").replace("\"", "\\\"");
    return "# HELP plasmavmc_qemu_processes QEMU processes running on this host.\n"
        + "# TYPE plasmavmc_qemu_processes gauge\n"
        + "plasmavmc_qemu_processes{host=\"" + host + "\"} " + qemus + "\n"
        + "# HELP plasmavmc_orphan_qemu_processes QEMU processes on this host that no VM workflow owns.\n"
        + "# TYPE plasmavmc_orphan_qemu_processes gauge\n"
        + "plasmavmc_orphan_qemu_processes{host=\"" + host + "\"} " + orphans + "\n";
  }
}
