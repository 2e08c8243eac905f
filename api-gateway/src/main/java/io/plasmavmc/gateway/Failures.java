package io.plasmavmc.gateway;

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
        case UNAVAILABLE -> Status.UNAVAILABLE
            .withDescription("Temporal cannot be reached: " + rpc.getStatus().getDescription()).withCause(error).asRuntimeException();
        // Temporal answers, but no worker served the VM's workflow in time (a query or update needs one).
        case DEADLINE_EXCEEDED -> Status.UNAVAILABLE
            .withDescription("VM " + vmName + ": no PlasmaVMC worker answered in time (is a host worker running and connected to Temporal?): "
                + rpc.getStatus().getDescription())
            .withCause(error).asRuntimeException();
        default -> Status.INTERNAL.withDescription(rpc.getStatus().toString()).withCause(error).asRuntimeException();
      };
    }
    if (error instanceof WorkflowServiceException) {
      return Status.INTERNAL.withDescription(String.valueOf(error.getMessage())).withCause(error).asRuntimeException();
    }
    return Status.INTERNAL.withDescription(error.toString()).withCause(error).asRuntimeException();
  }

  static StatusRuntimeException fromFailure(ApplicationFailure failure) {
    String message = failure.getOriginalMessage();
    Status status = switch (failure.getType()) {
      case VmFailures.ILLEGAL_TRANSITION -> Status.FAILED_PRECONDITION;
      case VmFailures.INVALID_SPEC -> Status.INVALID_ARGUMENT;
      case VmFailures.HOST_UNAVAILABLE -> Status.UNAVAILABLE;
      case VmFailures.DELETED -> Status.NOT_FOUND;
      case VmFailures.NAME_TAKEN -> Status.ALREADY_EXISTS;
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
