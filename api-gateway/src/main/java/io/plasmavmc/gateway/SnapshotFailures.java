package io.plasmavmc.gateway;

import com.google.rpc.Code;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.VmOperation;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;

/**
 * The failures of an operation on a VM's snapshot, as statuses naming the VM and the snapshot.
 * The messages are the gateway's own, made of the names the caller gave: what the host wrote
 * (which may name its files) stays in the workflow's history.
 */
final class SnapshotFailures {
  private SnapshotFailures() {}

  static StatusRuntimeException toStatus(String vm, String snapshot, VmOperation operation, Throwable error) {
    ApplicationFailure failure = Failures.find(error, FailureReasons.SNAPSHOT_NOT_FOUND, FailureReasons.SNAPSHOT_EXISTS,
        FailureReasons.SNAPSHOT_UNSUPPORTED, FailureReasons.SNAPSHOT_LIMIT);
    if (failure == null) {
      return Failures.toStatus(vm, error);
    }
    Map<String, String> names = Map.of("vm", vm, "snapshot", snapshot);
    String resource = "vms/" + vm + "/snapshots/" + snapshot;
    return switch (failure.getType()) {
      case FailureReasons.SNAPSHOT_NOT_FOUND -> ErrorDetails.resource(Code.NOT_FOUND, "VM " + vm + " has no snapshot " + snapshot,
          "SNAPSHOT_NOT_FOUND", names, ErrorDetails.SNAPSHOT, resource, "no such snapshot of the VM");
      case FailureReasons.SNAPSHOT_EXISTS -> ErrorDetails.resource(Code.ALREADY_EXISTS, "VM " + vm + " has a snapshot " + snapshot
          + " already", "SNAPSHOT_EXISTS", names, ErrorDetails.SNAPSHOT, resource, "a snapshot of that name exists: delete it first, or take another name");
      case FailureReasons.SNAPSHOT_LIMIT -> ErrorDetails.withReason(Status.RESOURCE_EXHAUSTED.withDescription("VM " + vm
          + " has the most snapshots a VM may have (" + SnapshotRequest.MAX_SNAPSHOTS + "): delete one first"), "SNAPSHOT_LIMIT");
      default -> unsupported(vm, snapshot, operation, names);
    };
  }

  /**
   * Which condition failed depends on the operation, and the host's or workflow's own words may
   * name its files: the gateway says which conditions the operation has, all of which the caller
   * can meet.
   */
  private static StatusRuntimeException unsupported(String vm, String snapshot, VmOperation operation, Map<String, String> names) {
    String why = switch (operation) {
      case RESTORE_SNAPSHOT -> "snapshot " + snapshot + " was taken while the VM was stopped (disks only): it loads only into a stopped VM; "
          + "stop VM " + vm + " first";
      case SNAPSHOT -> "VM " + vm + " cannot take a snapshot as it is: a snapshot needs a qcow2 disk of the VM's own (made from an "
          + "image, or blank) and no writable raw disk";
      default -> "snapshot " + snapshot + " of VM " + vm + " cannot be deleted while the VM is as it is now";
    };
    return ErrorDetails.precondition(why, "SNAPSHOT_UNSUPPORTED", names, "SNAPSHOT_UNSUPPORTED", "vms/" + vm, why);
  }
}
