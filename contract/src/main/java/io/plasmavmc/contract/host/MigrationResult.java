package io.plasmavmc.contract.host;

import java.util.Locale;

/**
 * How a completed migration went, as QEMU's query-migrate reports it on the source: the bytes of
 * RAM sent, the whole transfer's time, the guest's pause at its end (downtime), and the throughput.
 */
public record MigrationResult(long bytesTransferred, long totalTimeMs, long downtimeMs, long setupTimeMs, double mbps) {
  /** The figures in words, as the VM's recent operations show them. */
  public String figures() {
    return String.format(Locale.ROOT, "%d ms in all, %d ms of downtime, %.1f MiB sent at %.0f Mbit/s", totalTimeMs, downtimeMs,
        bytesTransferred / (1024.0 * 1024.0), mbps);
  }
}
