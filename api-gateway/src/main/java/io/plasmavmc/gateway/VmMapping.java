package io.plasmavmc.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.GuestReadiness;
import io.plasmavmc.api.v1.Operation;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.host.ConsoleTail;
import java.time.Instant;

/** A VM's workflow record as the wire's plasmavmc.v1.Vm. */
final class VmMapping {
  private VmMapping() {}

  static Vm toProto(VmRecord record) {
    Vm.Builder vm = Vm.newBuilder()
        .setId(record.vmId())
        .setName(record.name())
        .setSpec(SpecMapping.toProto(record.spec()))
        .setState(state(record.state(), record.hostUnreachableSince() != null))
        .setLastKnownState(state(record.state(), false))
        .setStateReason(record.stateReason() == null ? "" : record.stateReason())
        .setHostId(record.hostId() == null ? "" : record.hostId()) // none yet while placement chooses
        .setPlacementReason(record.placement() == null ? "" : record.placement())
        .setQemuPid(record.pid())
        .setQemuRunState(record.qemuRunState() == null ? "" : record.qemuRunState())
        .setRequestId(record.requestId() == null ? "" : record.requestId())
        .setStateSeq(record.stateSeq());
    if (record.createdAt() != null) {
      vm.setCreatedAt(timestamp(record.createdAt()));
    }
    if (record.updatedAt() != null) {
      vm.setUpdatedAt(timestamp(record.updatedAt()));
    }
    if (record.stateChangedAt() != null) {
      vm.setStateChangedAt(timestamp(record.stateChangedAt()));
    }
    if (record.hostUnreachableSince() != null) {
      vm.setHostUnreachableSince(timestamp(record.hostUnreachableSince()));
    }
    if (record.readiness() != null) {
      vm.setGuestReadiness(switch (record.readiness().status()) {
        case WAITING -> GuestReadiness.GUEST_READINESS_WAITING;
        case READY -> GuestReadiness.GUEST_READINESS_READY;
        case NOT_READY -> GuestReadiness.GUEST_READINESS_NOT_READY;
      });
      if (record.readiness().ready()) {
        vm.setGuestReady(true).setGuestReadyAt(timestamp(record.readiness().since()));
      }
    }
    for (OperationRecord op : record.recentOperations()) {
      Operation.Builder operation = Operation.newBuilder().setName(op.name()).setOutcome(op.outcome() == null ? "" : op.outcome());
      if (op.startedAt() != null) {
        operation.setStartedAt(timestamp(op.startedAt()));
      }
      if (op.finishedAt() != null) {
        operation.setFinishedAt(timestamp(op.finishedAt()));
      }
      vm.addRecentOperations(operation);
    }
    record.snapshots().forEach(snapshot -> vm.addSnapshots(snapshot(snapshot)));
    return vm.build();
  }

  static io.plasmavmc.api.v1.Snapshot snapshot(Snapshot snapshot) {
    io.plasmavmc.api.v1.Snapshot.Builder wire = io.plasmavmc.api.v1.Snapshot.newBuilder().setName(snapshot.name())
        .setWithMemory(snapshot.withMemory()).setVmStateBytes(snapshot.vmStateBytes());
    if (snapshot.createdAt() != null) {
      wire.setCreatedAt(timestamp(snapshot.createdAt()));
    }
    return wire.build();
  }

  /** A host that does not answer makes the state HOST_UNREACHABLE: the one last seen is no longer known to be true. */
  static VmState state(io.plasmavmc.contract.VmState state, boolean hostUnreachable) {
    return hostUnreachable ? VmState.VM_STATE_HOST_UNREACHABLE : VmState.valueOf("VM_STATE_" + state.name());
  }

  /** The end of a console as the API returns it (a VM's, or one a lifecycle test kept). */
  static ConsoleLog consoleLog(ConsoleTail tail) {
    return ConsoleLog.newBuilder().setData(ByteString.copyFrom(tail.data())).setTruncated(tail.truncated()).setTotalBytes(tail.totalBytes())
        .build();
  }

  static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
