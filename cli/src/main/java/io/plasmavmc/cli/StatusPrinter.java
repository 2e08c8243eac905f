package io.plasmavmc.cli;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.PrintStream;
import java.nio.file.Path;

/** A failed call as vmctl shows it: the status code and message, then what its details name (field, state, reason). */
final class StatusPrinter {
  private StatusPrinter() {}

  static void print(PrintStream err, StatusRuntimeException e, String server, Path configDir) {
    Status status = e.getStatus();
    if (status.getDescription() == null && status.getCause() != null) {
      // Failed before the gateway answered: the transport's error says why.
      err.println("vmctl: " + status.getCode() + ": " + status.getCause().getMessage() + " (the gateway at " + server
          + "; is ./plasmavmc up running?)");
      return;
    }
    err.println("vmctl: " + status.getCode() + ": " + status.getDescription());
    var details = StatusProto.fromThrowable(e); // google.rpc.Status: what the gateway adds to the code
    if (details != null) {
      details.getDetailsList().forEach(detail -> detail(err, detail));
    }
    if (status.getCode() == Status.Code.UNAUTHENTICATED) {
      err.println("(vmctl sends the token in $PLASMAVMC_TOKEN, --token-file FILE, or " + LocalToken.file(configDir)
          + ", which ./plasmavmc up makes)");
    }
  }

  private static void detail(PrintStream err, Any detail) {
    try {
      if (detail.is(BadRequest.class)) {
        for (BadRequest.FieldViolation violation : detail.unpack(BadRequest.class).getFieldViolationsList()) {
          err.println("  field " + violation.getField() + ": " + violation.getDescription());
        }
      } else if (detail.is(PreconditionFailure.class)) {
        for (PreconditionFailure.Violation violation : detail.unpack(PreconditionFailure.class).getViolationsList()) {
          err.println("  " + violation.getSubject() + ": " + violation.getDescription());
        }
      } else if (detail.is(ErrorInfo.class)) {
        err.println("  reason " + detail.unpack(ErrorInfo.class).getReason());
      }
    } catch (InvalidProtocolBufferException unreadable) {
      // a detail this vmctl cannot read: the message above says what happened
    }
  }
}
