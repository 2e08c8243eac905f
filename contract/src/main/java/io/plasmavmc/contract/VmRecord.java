package io.plasmavmc.contract;

import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.VmSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A VM as its workflow knows it. Carried across continue-as-new, returned by every update and
 * by the describe query. {@code qemuRunState} and {@code pid} are what the host last observed
 * from QEMU itself; {@code qemuStartTime} (with the pid) names that QEMU instance, and
 * {@code observedAt} is the host's number for the newest observation applied, so an older report
 * that arrives late is recognised (0: not known, as in records of earlier versions).
 * {@code stateSeq} counts the VM's state changes (see {@link StateChange}).
 * {@code hostUnreachableSince} is set while the VM's host worker does not pick up its work: the
 * state is then only the last one seen, and the API says so instead of showing it as current.
 * {@code readiness} is the guest's, by the spec's readiness probe, while QEMU runs (null otherwise).
 * {@code snapshots} are the VM's snapshots, oldest first. {@code placement} says why the VM is on
 * its host (empty where the host was named without placement, as before placement existed).
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
    long stateSeq,
    Instant hostUnreachableSince,
    long qemuStartTime,
    long observedAt,
    GuestReadiness readiness,
    List<Snapshot> snapshots,
    String placement) {

  public static final int RECENT_OPERATIONS = 20;

  public VmRecord {
    recentOperations = recentOperations == null ? List.of() : List.copyOf(recentOperations);
    snapshots = snapshots == null ? List.of() : List.copyOf(snapshots);
  }

  public VmRecord(String vmId, String name, String requestId, VmSpec spec, String hostId, VmState state, String stateReason,
      String qemuRunState, long pid, Instant createdAt, Instant updatedAt, Instant stateChangedAt, List<OperationRecord> recentOperations,
      long stateSeq, Instant hostUnreachableSince) {
    this(vmId, name, requestId, spec, hostId, state, stateReason, qemuRunState, pid, createdAt, updatedAt, stateChangedAt,
        recentOperations, stateSeq, hostUnreachableSince, 0, 0, null, null, null);
  }

  public VmRecord withState(VmState newState, String reason, Instant now) {
    boolean changed = newState != state;
    return new VmRecord(vmId, name, requestId, spec, hostId, newState, reason, qemuRunState, pid, createdAt, now,
        changed ? now : stateChangedAt, recentOperations, changed ? stateSeq + 1 : stateSeq, hostUnreachableSince, qemuStartTime,
        observedAt, readiness, snapshots, placement);
  }

  /** The host stopped answering: the state stays as last seen, marked as such from {@code now} on. */
  public VmRecord withHostUnreachable(String reason, Instant now) {
    boolean changed = hostUnreachableSince == null;
    return new VmRecord(vmId, name, requestId, spec, hostId, state, reason, qemuRunState, pid, createdAt, now,
        changed ? now : stateChangedAt, recentOperations, changed ? stateSeq + 1 : stateSeq, changed ? now : hostUnreachableSince,
        qemuStartTime, observedAt, readiness, snapshots, placement);
  }

  /**
   * The host reports again (its host workflow says so) before the VM's own QEMU was heard from:
   * the state stays as last seen, no longer marked; {@code reason} says so until the host's next
   * observation of the VM replaces it.
   */
  public VmRecord withHostReachable(String reason, Instant now) {
    if (hostUnreachableSince == null) {
      return this;
    }
    return new VmRecord(vmId, name, requestId, spec, hostId, state, reason, qemuRunState, pid, createdAt, now, now, recentOperations,
        stateSeq + 1, null, qemuStartTime, observedAt, readiness, snapshots, placement);
  }

  /**
   * Takes what the host observed: the mapped state, QEMU's run state, its instance (none once it
   * exited) and the observation's number. The host answered, so it is reachable.
   */
  public VmRecord withStatus(VmStatus status, Instant now) {
    boolean changed = status.state() != state || hostUnreachableSince != null;
    return new VmRecord(vmId, name, requestId, spec, hostId, status.state(), status.reason(), status.qemuRunState(),
        status.alive() ? status.pid() : 0, createdAt, now, changed ? now : stateChangedAt, recentOperations,
        changed ? stateSeq + 1 : stateSeq, null, status.alive() ? status.startTime() : 0, Math.max(observedAt, status.observedAt()),
        status.alive() ? readiness : null, snapshots, placement);
  }

  /** A new QEMU instance runs for the VM. */
  public VmRecord withInstance(long newPid, long startTime, Instant now) {
    return new VmRecord(vmId, name, requestId, spec, hostId, state, stateReason, qemuRunState, newPid, createdAt, now,
        stateChangedAt, recentOperations, stateSeq, hostUnreachableSince, startTime, observedAt, readiness, snapshots, placement);
  }

  public VmRecord withOperation(OperationRecord operation) {
    List<OperationRecord> ops = new ArrayList<>(recentOperations);
    ops.add(operation);
    while (ops.size() > RECENT_OPERATIONS) {
      ops.remove(0);
    }
    return new VmRecord(vmId, name, requestId, spec, hostId, state, stateReason, qemuRunState, pid, createdAt, updatedAt,
        stateChangedAt, ops, stateSeq, hostUnreachableSince, qemuStartTime, observedAt, readiness, snapshots, placement);
  }

  /**
   * The guest's readiness changed (null: no probe runs). It counts as a change of the VM's state,
   * with {@code reason}, so WatchVm reports it.
   */
  public VmRecord withReadiness(GuestReadiness value, String reason, Instant now) {
    return new VmRecord(vmId, name, requestId, spec, hostId, state, reason, qemuRunState, pid, createdAt, now, now,
        recentOperations, stateSeq + 1, hostUnreachableSince, qemuStartTime, observedAt, value, snapshots, placement);
  }

  /** Placement chose {@code host} for the VM, for {@code reason}. */
  public VmRecord withPlacement(String host, String reason) {
    return new VmRecord(vmId, name, requestId, spec, host, state, stateReason, qemuRunState, pid, createdAt, updatedAt,
        stateChangedAt, recentOperations, stateSeq, hostUnreachableSince, qemuStartTime, observedAt, readiness, snapshots, reason);
  }

  /**
   * A step of a long operation (a migration's phases) that WatchVm reports: it counts as a change
   * of the VM's state, with {@code reason}, as a change of readiness does; the state stays.
   */
  public VmRecord withProgress(String reason, Instant now) {
    return new VmRecord(vmId, name, requestId, spec, hostId, state, reason, qemuRunState, pid, createdAt, now, now, recentOperations,
        stateSeq + 1, hostUnreachableSince, qemuStartTime, observedAt, readiness, snapshots, placement);
  }

  /**
   * The VM moved to host {@code host} ({@code reason}: why there) and its QEMU there is the one
   * {@code status} observed. The observations of a host are numbered by its own clock, so the
   * target's numbering replaces the source's rather than being compared with it.
   */
  public VmRecord movedTo(String host, String reason, VmStatus status, Instant now) {
    boolean changed = status.state() != state || hostUnreachableSince != null;
    return new VmRecord(vmId, name, requestId, spec, host, status.state(), status.reason(), status.qemuRunState(),
        status.alive() ? status.pid() : 0, createdAt, now, changed ? now : stateChangedAt, recentOperations, stateSeq + 1, null,
        status.alive() ? status.startTime() : 0, status.observedAt(), status.alive() ? readiness : null, snapshots, reason);
  }

  /** The VM's snapshots are now {@code value}. */
  public VmRecord withSnapshots(List<Snapshot> value) {
    return new VmRecord(vmId, name, requestId, spec, hostId, state, stateReason, qemuRunState, pid, createdAt, updatedAt,
        stateChangedAt, recentOperations, stateSeq, hostUnreachableSince, qemuStartTime, observedAt, readiness, value, placement);
  }

  /** The boot ended (the state changes next, and says why): no readiness to report anymore. */
  public VmRecord withoutReadiness() {
    return new VmRecord(vmId, name, requestId, spec, hostId, state, stateReason, qemuRunState, pid, createdAt, updatedAt,
        stateChangedAt, recentOperations, stateSeq, hostUnreachableSince, qemuStartTime, observedAt, null, snapshots, placement);
  }
}
