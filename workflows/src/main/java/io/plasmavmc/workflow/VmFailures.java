package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmState;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The failure types a VM's updates end with, for the gateway to map onto gRPC status codes. The
 * type travels with the failure; the message is written for the operator who reads it.
 */
public final class VmFailures {
  /** Every type a host activity fails with that a retry cannot cure, today's and those of recorded histories. */
  static final String[] HOST_NEVER_RETRIED = Stream.concat(Arrays.stream(FailureReasons.HOST_NEVER_RETRIED),
      LegacyPaths.hostFailureClassNames()).toArray(String[]::new);

  /**
   * Host reasons that are already what the caller needs to know (a snapshot or an image that is
   * not there, taken, in use, or not possible for the VM's disks; a console not kept; a migration
   * the host cannot take or whose transfer failed): they pass
   * through as they are, so the gateway maps each to its own status code.
   */
  private static final Set<String> PASSED_THROUGH = Set.of(FailureReasons.SNAPSHOT_NOT_FOUND, FailureReasons.SNAPSHOT_EXISTS,
      FailureReasons.SNAPSHOT_UNSUPPORTED, FailureReasons.IMAGE_NOT_FOUND, FailureReasons.IMAGE_EXISTS, FailureReasons.IMAGE_IN_USE,
      FailureReasons.CONSOLE_NOT_KEPT, FailureReasons.MIGRATION_UNSUPPORTED, FailureReasons.MIGRATION_FAILED);

  private VmFailures() {}

  public static ApplicationFailure deleted(String vmName) {
    return ApplicationFailure.newNonRetryableFailure("VM " + vmName + " has been deleted", FailureReasons.DELETED);
  }

  public static ApplicationFailure illegal(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureReasons.ILLEGAL_TRANSITION);
  }

  /** {@code operation} refused in {@code state}; the details carry the VM's name, its state and the states that allow it. */
  public static ApplicationFailure illegal(VmOperation operation, VmState state, String vmName) {
    String allowed = Arrays.stream(VmState.values())
        .filter(s -> Transitions.decide(operation, s) == Transitions.Decision.RUN)
        .map(Enum::name).collect(Collectors.joining(","));
    return ApplicationFailure.newNonRetryableFailure(Transitions.illegalMessage(operation, state, vmName), FailureReasons.ILLEGAL_TRANSITION,
        vmName, state.name(), allowed);
  }

  /** Whether the host's worker did not pick up the activity in time (nothing of it ran). */
  static boolean notPickedUp(ActivityFailure failure) {
    return failure.getCause() instanceof TimeoutFailure timeout && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START;
  }

  /** The host's workflow says its worker stopped reporting, and {@code work} was not picked up: UNAVAILABLE. */
  static ApplicationFailure unreachable(String hostId, String work, Instant since) {
    return ApplicationFailure.newNonRetryableFailure("host " + hostId + " is unreachable: its worker stopped reporting (no report since about "
        + since + "), and \"" + work + "\" was not picked up", FailureReasons.HOST_UNAVAILABLE, hostId);
  }

  /** The host reports, so it is alive, but did not pick up {@code work} within the operation's deadline: RESOURCE_EXHAUSTED. */
  static ApplicationFailure busy(String hostId, String work, Duration waited) {
    return ApplicationFailure.newNonRetryableFailure("host " + hostId + " is busy: its worker reports but did not pick up \"" + work
        + "\" within " + waited.toSeconds() + " s (the operation's deadline); nothing was done, retry later", FailureReasons.HOST_BUSY, hostId);
  }

  /** Turns a failed host activity into one of the types above, with an operator-readable message. */
  public static ApplicationFailure fromActivity(ActivityFailure failure, String hostId) {
    Throwable cause = failure.getCause();
    if (notPickedUp(failure)) {
      return ApplicationFailure.newNonRetryableFailure(
          "host " + hostId + " is unreachable: its worker did not pick up " + failure.getActivityType() + " in time", FailureReasons.HOST_UNAVAILABLE, hostId);
    }
    if (cause instanceof ApplicationFailure app) {
      String type = hostReason(app);
      if (FailureReasons.INVALID_SPEC.equals(type) || FailureReasons.SPAWN_FAILED.equals(type)) {
        return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), FailureReasons.INVALID_SPEC);
      }
      if (FailureReasons.HOST_FULL.equals(type)) {
        return ApplicationFailure.newNonRetryableFailure("host " + hostId + ": " + app.getOriginalMessage(), FailureReasons.HOST_FULL);
      }
      if (FailureReasons.HOST_BUSY.equals(type)) {
        return ApplicationFailure.newNonRetryableFailure("host " + hostId + " is busy: " + app.getOriginalMessage(), FailureReasons.HOST_BUSY,
            hostId);
      }
      if (FailureReasons.QMP_TIMEOUT.equals(type)) {
        return ApplicationFailure.newNonRetryableFailure(
            "QEMU of VM on host " + hostId + " does not answer: " + app.getOriginalMessage(), FailureReasons.HOST_TIMEOUT);
      }
      if (FailureReasons.VM_NOT_RUNNING.equals(type)) {
        return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), FailureReasons.ILLEGAL_TRANSITION);
      }
      if (PASSED_THROUGH.contains(type)) {
        return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), type);
      }
      return ApplicationFailure.newNonRetryableFailure(
          failure.getActivityType() + " failed on host " + hostId + ": " + app.getOriginalMessage(), FailureReasons.HOST_ERROR);
    }
    return ApplicationFailure.newNonRetryableFailure(
        failure.getActivityType() + " failed on host " + hostId + ": " + (cause == null ? failure.getMessage() : cause.getMessage()), FailureReasons.HOST_ERROR);
  }

  /** Whether a host activity failed with {@code reason} (today's string or its legacy class name). */
  public static boolean isHostReason(ActivityFailure failure, String reason) {
    return failure.getCause() instanceof ApplicationFailure app && reason.equals(hostReason(app));
  }

  private static String hostReason(ApplicationFailure failure) {
    return LegacyPaths.hostReason(failure.getType());
  }
}
