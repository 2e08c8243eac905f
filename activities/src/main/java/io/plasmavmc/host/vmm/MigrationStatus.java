package io.plasmavmc.host.vmm;

import io.plasmavmc.contract.host.MigrationResult;
import java.util.Set;

/**
 * A VMM's migration as it reports it (QEMU: query-migrate): its status ("" before any, then setup,
 * active, ..., completed, failed or cancelled), the bytes of RAM sent, left and in all, its times,
 * its throughput, the error of a failed one, and where a target listens ("" where it does not).
 */
public record MigrationStatus(String status, long transferredBytes, long remainingBytes, long totalBytes, long totalTimeMs,
    long downtimeMs, long setupTimeMs, double mbps, String error, String listening) {
  /** The statuses of a migration that has ended, one way or the other. */
  private static final Set<String> ENDED = Set.of("completed", "failed", "cancelled");

  public boolean none() {
    return status.isEmpty();
  }

  public boolean completed() {
    return "completed".equals(status);
  }

  /** Failed or cancelled: the source's guest runs on (QEMU resumes it). */
  public boolean failed() {
    return "failed".equals(status) || "cancelled".equals(status);
  }

  /** Started and not yet ended. */
  public boolean underWay() {
    return !none() && !ENDED.contains(status);
  }

  public MigrationResult result() {
    return new MigrationResult(transferredBytes, totalTimeMs, downtimeMs, setupTimeMs, mbps);
  }

  /** The progress in words, for a heartbeat and the log. */
  public String progress() {
    return status + ": " + transferredBytes / (1024 * 1024) + " MiB sent, " + remainingBytes / (1024 * 1024) + " MiB left of "
        + totalBytes / (1024 * 1024) + " MiB, " + totalTimeMs + " ms";
  }
}
