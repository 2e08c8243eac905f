package io.plasmavmc.contract;

import java.time.Instant;

/** One lifecycle operation as the VM's history summary shows it. */
public record OperationRecord(String name, String outcome, Instant startedAt, Instant finishedAt) {
  /** How a graceful stop's outcome begins when the guest had to be forced off (followed by "N s"). */
  public static final String FORCED_OFF = "forced off: the guest did not power off within ";

  /** Whether this was a graceful stop the guest did not complete in time. */
  public boolean forcedOff() {
    return outcome != null && outcome.startsWith(FORCED_OFF);
  }
}
