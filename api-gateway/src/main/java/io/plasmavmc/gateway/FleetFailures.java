package io.plasmavmc.gateway;

import com.google.rpc.Code;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.FailureReasons;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;

/**
 * The fleet's failures as statuses: a host that never registered, one that takes no new VMs, no
 * host with room for a VM. Their messages are the fleet's own words (which host, which resource
 * is tightest), made by the hosts' workflows, never by a host: they reach the caller as written.
 */
final class FleetFailures {
  static final String HOST = "plasmavmc.v1.Host";

  private FleetFailures() {}

  /** A fleet failure (HOST_CORDONED, HOST_NOT_FOUND, NO_HOST_FITS) as its status; {@code hostId} the host named, or empty. */
  static StatusRuntimeException of(ApplicationFailure failure, String hostId) {
    String message = failure.getOriginalMessage();
    Map<String, String> names = hostId.isEmpty() ? Map.of() : Map.of("host", hostId);
    return switch (failure.getType()) {
      case FailureReasons.HOST_CORDONED -> ErrorDetails.precondition(message, "HOST_CORDONED", names, "HOST_STATE",
          hostId.isEmpty() ? "hosts" : resource(hostId), "cordoned: the host takes no new VMs (vmctl host uncordon)");
      case FailureReasons.HOST_NOT_FOUND -> ErrorDetails.resource(Code.NOT_FOUND, message, "HOST_NOT_FOUND", names, HOST,
          resource(hostId.isEmpty() ? "-" : hostId), "no host of that id has registered (vmctl host list shows those that have)");
      case FailureReasons.NO_HOST_FITS -> ErrorDetails.withReason(Status.RESOURCE_EXHAUSTED.withDescription(message), "NO_HOST_FITS");
      default -> throw new IllegalArgumentException("not a fleet failure: " + failure.getType());
    };
  }

  /** The fleet failure {@code error} carries, however deep, as its status; null when it carries none. */
  static StatusRuntimeException find(Throwable error, String hostId) {
    ApplicationFailure failure = Failures.find(error, FailureReasons.HOST_CORDONED, FailureReasons.HOST_NOT_FOUND,
        FailureReasons.NO_HOST_FITS);
    return failure == null ? null : of(failure, hostId);
  }

  static StatusRuntimeException hostNotFound(String hostId) {
    return ErrorDetails.resource(Code.NOT_FOUND, "host " + hostId + " not found", "HOST_NOT_FOUND", Map.of("host", hostId), HOST,
        resource(hostId), "no host of that id has registered (vmctl host list shows those that have)");
  }

  /** A call on host {@code hostId}'s workflow that failed: NOT_FOUND where it has none, UNAVAILABLE where no worker answered for it. */
  static StatusRuntimeException toStatus(String hostId, Throwable error) {
    StatusRuntimeException rpc = Failures.findRpcError(error);
    if (error instanceof WorkflowNotFoundException || (rpc != null && rpc.getStatus().getCode() == Status.Code.NOT_FOUND)) {
      return hostNotFound(hostId);
    }
    if (rpc != null && rpc.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return ErrorDetails.withReason(Status.UNAVAILABLE.withDescription("host " + hostId + ": no PlasmaVMC worker answered for its "
          + "workflow in time (is a host worker running and connected to Temporal?)"), "WORKER_UNAVAILABLE");
    }
    StatusRuntimeException fleet = find(error, hostId);
    return fleet != null ? fleet : Failures.toStatus("", error);
  }

  static String resource(String hostId) {
    return "hosts/" + hostId;
  }
}
