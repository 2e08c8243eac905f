package io.plasmavmc.contract;

/**
 * A live migration of a VM to another host: {@code targetHostId}, or null (empty) for placement to
 * choose among the other hosts. {@code maxBandwidthMibps} caps what the source sends per second,
 * {@code maxDowntimeMs} is the longest pause of the guest QEMU may plan for its final copy (0 for
 * either: the default). {@code requestId} names the request: a client that repeats it joins the
 * migration it started instead of starting another.
 */
public record MigrateRequest(String targetHostId, int maxBandwidthMibps, int maxDowntimeMs, String requestId) {
  /** What a 10 GbE link carries, near enough: a migration should not take the whole of a slower one. */
  public static final int DEFAULT_MAX_BANDWIDTH_MIBPS = 1024;
  public static final int MAX_BANDWIDTH_MIBPS = 100_000;
  /** QEMU's own default. */
  public static final int DEFAULT_MAX_DOWNTIME_MS = 300;
  public static final int MAX_DOWNTIME_MS = 60_000;

  public MigrateRequest {
    targetHostId = targetHostId == null || targetHostId.isBlank() ? null : targetHostId;
    maxBandwidthMibps = maxBandwidthMibps <= 0 ? DEFAULT_MAX_BANDWIDTH_MIBPS : maxBandwidthMibps;
    maxDowntimeMs = maxDowntimeMs <= 0 ? DEFAULT_MAX_DOWNTIME_MS : maxDowntimeMs;
  }

  public static MigrateRequest to(String targetHostId) {
    return new MigrateRequest(targetHostId, 0, 0, null);
  }

  public boolean targetNamed() {
    return targetHostId != null;
  }
}
