package io.plasmavmc.workflow;

import io.plasmavmc.host.InvalidSpecException;
import io.plasmavmc.host.SpawnFailedException;
import io.plasmavmc.host.VmNotRunningException;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;

/**
 * The failure types a VM's updates end with, for the gateway to map onto gRPC status codes. The
 * type travels with the failure; the message is written for the operator who reads it.
 */
public final class VmFailures {
  public static final String ILLEGAL_TRANSITION = "IllegalTransition";
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String HOST_UNAVAILABLE = "HostUnavailable";
  public static final String HOST_ERROR = "HostError";
  /** QEMU's monitor did not answer in time (a hung QEMU). The gateway answers DEADLINE_EXCEEDED. */
  public static final String HOST_TIMEOUT = "HostTimeout";
  /** The host has no room under its limits (VMs, memory). The gateway answers RESOURCE_EXHAUSTED. */
  public static final String HOST_FULL = "HostFull";
  /** Another request created a VM of that name. The gateway answers ALREADY_EXISTS. */
  public static final String NAME_TAKEN = "NameTaken";
  /** The guest did not pass its readiness probe in time. The gateway answers DEADLINE_EXCEEDED. */
  public static final String GUEST_NOT_READY = "GuestNotReady";
  /** The VM was deleted; its workflow is only finishing. The gateway answers NOT_FOUND. */
  public static final String DELETED = "VmDeleted";

  private VmFailures() {}

  public static ApplicationFailure deleted(String vmName) {
    return ApplicationFailure.newNonRetryableFailure("VM " + vmName + " has been deleted", DELETED);
  }

  public static ApplicationFailure illegal(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, ILLEGAL_TRANSITION);
  }

  /** {@code operation} refused in {@code state}; the details carry the VM's name, its state and the states that allow it. */
  public static ApplicationFailure illegal(VmOperation operation, io.plasmavmc.host.VmState state, String vmName) {
    String allowed = java.util.Arrays.stream(io.plasmavmc.host.VmState.values())
        .filter(s -> Transitions.decide(operation, s) == Transitions.Decision.RUN)
        .map(Enum::name).collect(java.util.stream.Collectors.joining(","));
    return ApplicationFailure.newNonRetryableFailure(Transitions.illegalMessage(operation, state, vmName), ILLEGAL_TRANSITION,
        vmName, state.name(), allowed);
  }

  /** Turns a failed host activity into one of the types above, with an operator-readable message. */
  public static ApplicationFailure fromActivity(ActivityFailure failure, String hostId) {
    Throwable cause = failure.getCause();
    if (cause instanceof TimeoutFailure timeout && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) {
      return ApplicationFailure.newNonRetryableFailure(
          "host " + hostId + " is unreachable: its worker did not pick up " + failure.getActivityType() + " in time", HOST_UNAVAILABLE, hostId);
    }
    if (cause instanceof ApplicationFailure app) {
      String type = app.getType();
      if (InvalidSpecException.class.getName().equals(type) || SpawnFailedException.class.getName().equals(type)) {
        return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), INVALID_SPEC);
      }
      if (io.plasmavmc.host.HostFullException.class.getName().equals(type)) {
        return ApplicationFailure.newNonRetryableFailure("host " + hostId + ": " + app.getOriginalMessage(), HOST_FULL);
      }
      if (io.plasmavmc.host.qmp.QmpTimeoutException.class.getName().equals(type)) {
        return ApplicationFailure.newNonRetryableFailure(
            "QEMU of VM on host " + hostId + " does not answer: " + app.getOriginalMessage(), HOST_TIMEOUT);
      }
      if (VmNotRunningException.class.getName().equals(type)) {
        return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), ILLEGAL_TRANSITION);
      }
      return ApplicationFailure.newNonRetryableFailure(
          failure.getActivityType() + " failed on host " + hostId + ": " + app.getOriginalMessage(), HOST_ERROR);
    }
    return ApplicationFailure.newNonRetryableFailure(
        failure.getActivityType() + " failed on host " + hostId + ": " + (cause == null ? failure.getMessage() : cause.getMessage()), HOST_ERROR);
  }

  public static boolean isType(ActivityFailure failure, Class<?> exception) {
    return failure.getCause() instanceof ApplicationFailure app && exception.getName().equals(app.getType());
  }
}
