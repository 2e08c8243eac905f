package io.plasmavmc.cli;

import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * vmctl's exit codes: a script can tell a refused request from an unreachable gateway without
 * reading the message. A failed call's code follows its gRPC status code.
 */
public enum ExitCode {
  OK(0, "done (for test and test-report: the run passed, or was started; for image import: the import is done, or was started)"),
  FAILED(1, "the lifecycle test run failed or was cancelled, or the image import failed"),
  USAGE(2, "bad command line (unknown command or option, missing or malformed value, unreadable file); nothing was sent"),
  NOT_FOUND(3, "NOT_FOUND: no such VM, run, image, image import, snapshot or host"),
  INVALID(4, "INVALID_ARGUMENT, OUT_OF_RANGE: the request was refused, the field is named"),
  CONFLICT(5, "FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED: the VM's state does not allow it, the name is taken, the image is in use, the host is cordoned, or a migration failed and was undone"),
  DENIED(6, "UNAUTHENTICATED, PERMISSION_DENIED: no token, a wrong one, or too small a role"),
  LIMIT(7, "RESOURCE_EXHAUSTED: a bound was reached (host full, no host fits, too many streams or snapshots), the bound is named; or the host is busy (HOST_BUSY): retry later"),
  TIMEOUT(8, "DEADLINE_EXCEEDED: the guest was not ready in time, or QEMU did not answer"),
  UNAVAILABLE(9, "UNAVAILABLE: the gateway cannot be reached, or the VM's host stopped reporting (its worker is gone)"),
  SERVER_ERROR(10, "INTERNAL, UNKNOWN and the rest: the gateway failed (its log has the error id)"),
  INTERRUPTED(130, "interrupted");

  private final int code;
  private final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }

  public int code() {
    return code;
  }

  public static ExitCode of(Status.Code status) {
    return switch (status) {
      case OK -> OK;
      case NOT_FOUND -> NOT_FOUND;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> INVALID;
      case FAILED_PRECONDITION, ALREADY_EXISTS, ABORTED -> CONFLICT;
      case UNAUTHENTICATED, PERMISSION_DENIED -> DENIED;
      case RESOURCE_EXHAUSTED -> LIMIT;
      case DEADLINE_EXCEEDED -> TIMEOUT;
      case UNAVAILABLE -> UNAVAILABLE;
      case CANCELLED, UNKNOWN, INTERNAL, UNIMPLEMENTED, DATA_LOSS -> SERVER_ERROR;
    };
  }

  /** For the help's "Exit codes" section: code to meaning. */
  static Map<String, String> helpList() {
    Map<String, String> list = new LinkedHashMap<>();
    for (ExitCode exit : values()) {
      list.put(String.valueOf(exit.code), exit.meaning);
    }
    return list;
  }
}
