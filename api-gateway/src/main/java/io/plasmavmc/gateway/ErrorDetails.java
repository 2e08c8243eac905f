package io.plasmavmc.gateway;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Errors with google.rpc.Status details (AIP-193), so a client acts on them without parsing
 * text: every error an ErrorInfo with a stable reason, an invalid field a BadRequest field
 * violation, an illegal transition a PreconditionFailure with the VM's state and the states that
 * allow the call (another unmet condition one naming it), an unknown VM, snapshot or image (or one
 * that exists already) a ResourceInfo.
 */
final class ErrorDetails {
  static final String DOMAIN = "plasmavmc.io";
  static final String VM = "plasmavmc.v1.Vm";
  static final String SNAPSHOT = "plasmavmc.v1.Snapshot";
  static final String IMAGE = "plasmavmc.v1.Image";
  static final String IMAGE_IMPORT = "plasmavmc.v1.ImageImport";

  private ErrorDetails() {}

  static StatusRuntimeException invalidField(String field, String description) {
    return error(Code.INVALID_ARGUMENT, field + ": " + description, "INVALID_FIELD", Map.of("field", field),
        BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder().setField(field).setDescription(description)).build());
  }

  /** An INVALID_ARGUMENT whose message reads "field: description" (as the host's spec checks write them). */
  static StatusRuntimeException invalidField(String message) {
    int colon = message.indexOf(": ");
    return colon > 0 && !message.substring(0, colon).contains(" ")
        ? invalidField(message.substring(0, colon), message.substring(colon + 2))
        : error(Code.INVALID_ARGUMENT, message, "INVALID_ARGUMENT", Map.of());
  }

  static StatusRuntimeException notFound(String name) {
    return resource(Code.NOT_FOUND, "VM " + name + " not found", "VM_NOT_FOUND", Map.of("vm", name), VM, name,
        "no such VM (or it was deleted)");
  }

  /** An operation the VM's state does not allow: its state now and the states that would. */
  static StatusRuntimeException illegalTransition(String name, String message, String state, List<String> allowed) {
    return precondition(message, "ILLEGAL_TRANSITION", Map.of("vm", name, "state", state, "allowed_states", String.join(",", allowed)),
        "VM_STATE", "vms/" + name, "the VM is " + state + (allowed.isEmpty() ? "" : "; the call needs " + String.join(" or ", allowed)));
  }

  /**
   * A resource that is not there (NOT_FOUND) or is there already (ALREADY_EXISTS): its type and
   * name in a ResourceInfo, the names that identify it in the ErrorInfo's metadata.
   */
  static StatusRuntimeException resource(Code code, String message, String reason, Map<String, String> metadata, String type, String name,
      String description) {
    return error(code, message, reason, metadata, ResourceInfo.newBuilder().setResourceType(type).setResourceName(name)
        .setDescription(description).build());
  }

  /** A call that the condition of {@code subject} does not allow: a PreconditionFailure of {@code type} saying why. */
  static StatusRuntimeException precondition(String message, String reason, Map<String, String> metadata, String type, String subject,
      String description) {
    return error(Code.FAILED_PRECONDITION, message, reason, metadata, PreconditionFailure.newBuilder()
        .addViolations(PreconditionFailure.Violation.newBuilder().setType(type).setSubject(subject).setDescription(description)).build());
  }

  /**
   * A host that is alive (it reports) but too busy to take the work before the call's deadline:
   * RESOURCE_EXHAUSTED, not UNAVAILABLE (the host is not lost), with the host in the ErrorInfo and
   * a RetryInfo, for nothing was done and the same call may simply be made again a little later.
   */
  static StatusRuntimeException hostBusy(String message, String hostId, Duration retryAfter) {
    return error(Code.RESOURCE_EXHAUSTED, message, "HOST_BUSY", hostId.isEmpty() ? Map.of() : Map.of("host", hostId),
        RetryInfo.newBuilder().setRetryDelay(Durations.fromMillis(retryAfter.toMillis())).build());
  }

  /** Any other error: the status and message as given, with an ErrorInfo naming {@code reason}. */
  static StatusRuntimeException withReason(Status status, String reason) {
    return error(Code.forNumber(status.getCode().value()), String.valueOf(status.getDescription()), reason, Map.of());
  }

  private static StatusRuntimeException error(Code code, String message, String reason, Map<String, String> metadata,
      Message... details) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setCode(code.getNumber()).setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build()));
    for (Message detail : details) {
      status.addDetails(Any.pack(detail));
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }
}
