package io.plasmavmc.host;

import io.plasmavmc.contract.FailureReasons;
import java.util.List;

/**
 * The host refuses what it was asked about an image, a snapshot, a kept console or a migration, for a reason of
 * {@link FailureReasons} that a retry cannot cure. The message reaches clients: it names images,
 * snapshots and VMs, never a host path.
 */
public class HostRefusedException extends RuntimeException {
  private final String reason;

  private HostRefusedException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** One of {@link FailureReasons}. */
  public String reason() {
    return reason;
  }

  public static HostRefusedException imageNotFound(String name) {
    return new HostRefusedException(FailureReasons.IMAGE_NOT_FOUND, "this host has no image " + name);
  }

  public static HostRefusedException imageExists(String name) {
    return new HostRefusedException(FailureReasons.IMAGE_EXISTS, "this host has an image " + name + " already");
  }

  public static HostRefusedException imageInUse(String name, List<String> vmIds) {
    return new HostRefusedException(FailureReasons.IMAGE_IN_USE, "image " + name + " backs the disks of VMs " + vmIds
        + ": it stays while they do");
  }

  public static HostRefusedException snapshotNotFound(String name) {
    return new HostRefusedException(FailureReasons.SNAPSHOT_NOT_FOUND, "the VM has no snapshot " + name);
  }

  public static HostRefusedException snapshotExists(String name) {
    return new HostRefusedException(FailureReasons.SNAPSHOT_EXISTS, "the VM has a snapshot " + name + " already");
  }

  public static HostRefusedException snapshotUnsupported(String why) {
    return new HostRefusedException(FailureReasons.SNAPSHOT_UNSUPPORTED, why);
  }

  public static HostRefusedException migrationUnsupported(String why) {
    return new HostRefusedException(FailureReasons.MIGRATION_UNSUPPORTED, why);
  }

  public static HostRefusedException migrationFailed(String why) {
    return new HostRefusedException(FailureReasons.MIGRATION_FAILED, why);
  }

  public static HostRefusedException consoleNotKept(String runId, String vmName, int keptRuns) {
    return new HostRefusedException(FailureReasons.CONSOLE_NOT_KEPT, "this host keeps no console of " + vmName + " of lifecycle test run "
        + runId + " (it keeps those of its newest " + keptRuns + " runs, from attempts that ended since consoles are kept)");
  }
}
