package io.plasmavmc.gateway;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.host.InvalidSpecException;
import io.plasmavmc.workflow.VmFailures;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowServiceException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;

/** Maps what Temporal and the VM's workflow report onto gRPC status codes a client can act on. */
final class Failures {
  private static final Logger log = LoggerFactory.getLogger(Failures.class);

  private Failures() {}

  static StatusRuntimeException toStatus(String vmName, Throwable error) {
    if (error instanceof InvalidSpecException invalid) {
      return Status.INVALID_ARGUMENT.withDescription(invalid.getMessage()).asRuntimeException();
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
    Status status = switch (failure.getType()) {
      case VmFailures.ILLEGAL_TRANSITION -> Status.FAILED_PRECONDITION;
      case VmFailures.INVALID_SPEC -> Status.INVALID_ARGUMENT;
      case VmFailures.HOST_UNAVAILABLE -> Status.UNAVAILABLE;
      case VmFailures.DELETED -> Status.NOT_FOUND;
      case VmFailures.NAME_TAKEN -> Status.ALREADY_EXISTS;
      case VmFailures.HOST_FULL -> Status.RESOURCE_EXHAUSTED;
      case VmFailures.HOST_TIMEOUT -> Status.DEADLINE_EXCEEDED;
      default -> Status.INTERNAL;
    };
    return status.withDescription(message).asRuntimeException();
  }

  static StatusRuntimeException notFound(String vmName) {
    return Status.NOT_FOUND.withDescription("VM " + vmName + " not found").asRuntimeException();
  }

  private static StatusRuntimeException findRpcError(Throwable error) {
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
