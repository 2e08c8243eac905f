package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps what Temporal and the VM's workflow report onto gRPC status codes a client can act on. */
final class Failures {
  private static final Logger log = LoggerFactory.getLogger(Failures.class);

  /** What a busy host's refusal suggests waiting before the same call: a few of its workers' report periods. */
  static final Duration BUSY_RETRY_AFTER = Duration.ofSeconds(10);

  private Failures() {}

  static StatusRuntimeException toStatus(String vmName, Throwable error) {
    if (error instanceof InvalidSpecException invalid) {
      return ErrorDetails.invalidField(invalid.getMessage());
    }
    if (error instanceof WorkflowNotFoundException) {
      return notFound(vmName);
    }
    if ((error instanceof WorkflowUpdateException || error instanceof WorkflowFailedException)
        && error.getCause() instanceof ApplicationFailure failure) {
      return fromFailure(failure);
    }
    StatusRuntimeException rpc = findRpcError(error);
    if (rpc != null) {
      return switch (rpc.getStatus().getCode()) {
        case NOT_FOUND -> notFound(vmName);
        case UNAVAILABLE -> logged(Status.UNAVAILABLE, "Temporal cannot be reached", error);
        // Temporal answers, but no worker served the VM's workflow in time (a query or update needs one).
        case DEADLINE_EXCEEDED -> logged(Status.UNAVAILABLE, "VM " + vmName
            + ": no PlasmaVMC worker answered in time (is a host worker running and connected to Temporal?)", error);
        default -> internal(error);
      };
    }
    return internal(error);
  }

  /**
   * An error a client cannot act on: it gets an id, the log gets the id with the whole error
   * (which may name hosts, paths and addresses a client has no business seeing).
   */
  static StatusRuntimeException internal(Throwable error) {
    return logged(Status.INTERNAL, "internal error", error);
  }

  private static StatusRuntimeException logged(Status status, String message, Throwable error) {
    String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    log.error("error {}: {}", id, message, error);
    return status.withDescription(message + " (error " + id + ": the gateway's log has the details)").asRuntimeException();
  }

  static StatusRuntimeException fromFailure(ApplicationFailure failure) {
    String message = failure.getOriginalMessage();
    return switch (failure.getType()) {
      case FailureReasons.ILLEGAL_TRANSITION -> illegal(failure);
      case FailureReasons.INVALID_SPEC -> ErrorDetails.invalidField(message);
      case FailureReasons.HOST_UNAVAILABLE -> ErrorDetails.withReason(Status.UNAVAILABLE.withDescription(message), "HOST_UNAVAILABLE");
      case FailureReasons.HOST_BUSY -> ErrorDetails.hostBusy(message, hostOf(failure), BUSY_RETRY_AFTER);
      case FailureReasons.DELETED -> ErrorDetails.withReason(Status.NOT_FOUND.withDescription(message), "VM_NOT_FOUND");
      case FailureReasons.NAME_TAKEN -> ErrorDetails.withReason(Status.ALREADY_EXISTS.withDescription(message), "NAME_TAKEN");
      case FailureReasons.HOST_FULL -> ErrorDetails.withReason(Status.RESOURCE_EXHAUSTED.withDescription(message), "HOST_FULL");
      case FailureReasons.GUEST_NOT_READY -> ErrorDetails.withReason(Status.DEADLINE_EXCEEDED.withDescription(message), "GUEST_NOT_READY");
      case FailureReasons.HOST_TIMEOUT -> ErrorDetails.withReason(Status.DEADLINE_EXCEEDED.withDescription(message), "QEMU_NOT_ANSWERING");
      // Where no call names the image or snapshot (CreateVm over an image that is not there): the workflow's words.
      case FailureReasons.IMAGE_NOT_FOUND -> ErrorDetails.withReason(Status.NOT_FOUND.withDescription(message), "IMAGE_NOT_FOUND");
      case FailureReasons.SNAPSHOT_NOT_FOUND -> ErrorDetails.withReason(Status.NOT_FOUND.withDescription(message), "SNAPSHOT_NOT_FOUND");
      case FailureReasons.IMAGE_EXISTS -> ErrorDetails.withReason(Status.ALREADY_EXISTS.withDescription(message), "IMAGE_EXISTS");
      case FailureReasons.SNAPSHOT_EXISTS -> ErrorDetails.withReason(Status.ALREADY_EXISTS.withDescription(message), "SNAPSHOT_EXISTS");
      case FailureReasons.IMAGE_IN_USE -> ErrorDetails.withReason(Status.FAILED_PRECONDITION.withDescription(message), "IMAGE_IN_USE");
      case FailureReasons.CONSOLE_NOT_KEPT -> ErrorDetails.withReason(Status.NOT_FOUND.withDescription(message), "CONSOLE_NOT_KEPT");
      case FailureReasons.MIGRATION_UNSUPPORTED ->
          ErrorDetails.withReason(Status.FAILED_PRECONDITION.withDescription(message), "MIGRATION_UNSUPPORTED");
      // Undone: the VM runs on its source host as before, and the same call may be tried again.
      case FailureReasons.MIGRATION_FAILED -> ErrorDetails.withReason(Status.ABORTED.withDescription(message), "MIGRATION_FAILED");
      case FailureReasons.SNAPSHOT_UNSUPPORTED ->
          ErrorDetails.withReason(Status.FAILED_PRECONDITION.withDescription(message), "SNAPSHOT_UNSUPPORTED");
      // Where no call names the host (a placement's failure): the fleet's words.
      case FailureReasons.HOST_CORDONED, FailureReasons.HOST_NOT_FOUND, FailureReasons.NO_HOST_FITS -> FleetFailures.of(failure, "");
      default -> ErrorDetails.withReason(Status.INTERNAL.withDescription(message), "HOST_ERROR");
    };
  }

  /** The host a failure names in its details (HOST_BUSY and HOST_UNAVAILABLE do), or empty. */
  private static String hostOf(ApplicationFailure failure) {
    try {
      String hostId = failure.getDetails().get(0, String.class);
      return hostId == null ? "" : hostId;
    } catch (RuntimeException withoutDetails) {
      return "";
    }
  }

  /** An illegal transition carries the VM's name, its state and the states that allow the call (see VmFailures#illegal). */
  private static StatusRuntimeException illegal(ApplicationFailure failure) {
    try {
      String name = failure.getDetails().get(0, String.class);
      String state = failure.getDetails().get(1, String.class);
      String allowed = failure.getDetails().get(2, String.class);
      return ErrorDetails.illegalTransition(name, failure.getOriginalMessage(), state, allowed.isEmpty() ? List.of() : List.of(allowed.split(",")));
    } catch (RuntimeException withoutDetails) {
      return ErrorDetails.withReason(Status.FAILED_PRECONDITION.withDescription(failure.getOriginalMessage()), "ILLEGAL_TRANSITION");
    }
  }

  /**
   * The failure of one of {@code types} that {@code error} carries, however deep (an update's
   * failure, or a workflow's that an activity's failure ended), or null.
   */
  static ApplicationFailure find(Throwable error, String... types) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ApplicationFailure failure && List.of(types).contains(failure.getType())) {
        return failure;
      }
    }
    return null;
  }

  static StatusRuntimeException notFound(String vmName) {
    return ErrorDetails.notFound(vmName);
  }

  static StatusRuntimeException findRpcError(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException status) {
        return status;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
