package io.plasmavmc.workflow;

import io.plasmavmc.host.VmSpec;
import io.plasmavmc.host.VmState;
import io.plasmavmc.host.VmStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A VM as its workflow knows it. Carried across continue-as-new, returned by every update and
 * by the describe query. {@code qemuRunState} and {@code pid} are what the host last observed
 * from QEMU itself. {@code stateSeq} counts the VM's state changes (see {@link StateChange}).
 */
public record VmRecord(
    String vmId,
    String name,
    String requestId,
    VmSpec spec,
    String hostId,
    VmState state,
    String stateReason,
    String qemuRunState,
    long pid,
    Instant createdAt,
    Instant updatedAt,
    Instant stateChangedAt,
    List<OperationRecord> recentOperations,
    long stateSeq) {

  public static final int RECENT_OPERATIONS = 20;

  public VmRecord {
    recentOperations = recentOperations == null ? List.of() : List.copyOf(recentOperations);
  }

  public VmRecord withState(VmState newState, String reason, Instant now) {
    boolean changed = newState != state;
    return new VmRecord(vmId, name, requestId, spec, hostId, newState, reason, qemuRunState, pid, createdAt, now,
        changed ? now : stateChangedAt, recentOperations, changed ? stateSeq + 1 : stateSeq);
  }

  /** Takes what the host observed: the mapped state, QEMU's run state and pid. */
  public VmRecord withStatus(VmStatus status, Instant now) {
    boolean changed = status.state() != state;
    return new VmRecord(vmId, name, requestId, spec, hostId, status.state(), status.reason(), status.qemuRunState(),
        status.alive() ? status.pid() : 0, createdAt, now, changed ? now : stateChangedAt, recentOperations,
        changed ? stateSeq + 1 : stateSeq);
  }

  public VmRecord withPid(long value, Instant now) {
    return new VmRecord(vmId, name, requestId, spec, hostId, state, stateReason, qemuRunState, value, createdAt, now,
        stateChangedAt, recentOperations, stateSeq);
  }

  public VmRecord withOperation(OperationRecord operation) {
    List<OperationRecord> ops = new ArrayList<>(recentOperations);
    ops.add(operation);
    while (ops.size() > RECENT_OPERATIONS) {
      ops.remove(0);
    }
    return new VmRecord(vmId, name, requestId, spec, hostId, state, stateReason, qemuRunState, pid, createdAt, updatedAt,
        stateChangedAt, ops, stateSeq);
  }
}
