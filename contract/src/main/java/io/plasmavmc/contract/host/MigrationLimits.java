package io.plasmavmc.contract.host;

import java.time.Duration;

/**
 * What bounds a migration on its source: the bandwidth it may take (MiB/s), the longest pause of
 * the guest QEMU may plan for the final copy (ms), and how long the whole transfer may take before
 * it is cancelled (a guest that writes its memory faster than the link carries never converges).
 */
public record MigrationLimits(int maxBandwidthMibps, int maxDowntimeMs, Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  public MigrationLimits {
    timeout = timeout == null || timeout.isZero() || timeout.isNegative() ? DEFAULT_TIMEOUT : timeout;
  }
}
