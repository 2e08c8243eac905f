package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * The steps of the snapshot operations on the host, one host activity each, the VM's record
 * listing its snapshots as the host holds them. Each operation names its host job with an id of
 * its own, made once in the workflow, so a host activity retried after a worker crash waits for
 * the job its first attempt started instead of starting another.
 */
final class SnapshotSteps {
  private static final Logger log = Workflow.getLogger(SnapshotSteps.class);

  private final KnownVm vm;
  private final HostCalls host;
  private final OperationFrame frame;
  private final Readiness readiness;

  SnapshotSteps(KnownVm vm, HostCalls host, OperationFrame frame, Readiness readiness) {
    this.vm = vm;
    this.host = host;
    this.frame = frame;
    this.readiness = readiness;
  }

  /** With the guest's RAM while QEMU runs (the guest runs on as it was), the disks alone otherwise: the host decides by what runs. */
  void take(SnapshotRequest request) {
    SnapshotRequest job = withJob(VmOperation.SNAPSHOT, request);
    String what = vm.record().pid() != 0 ? " while QEMU runs (snapshot-save)" : " of the disks of a VM whose QEMU does not run";
    Snapshot taken = onHost("take snapshot " + job.name() + what, h -> h.takeSnapshot(host.vmId(), vm.record().spec(), job.name(), job.jobId()));
    vm.change(record -> record.withSnapshots(Stream.concat(others(record.snapshots(), job.name()), Stream.of(taken)).toList()));
    frame.succeededAs("ok: " + VmPublisher.shown(taken));
    vm.publish();
  }

  /**
   * A running or paused VM is then as it was when the snapshot was taken, its guest's boot
   * included: whatever its readiness was then, the current boot's wait is over. A VM whose QEMU
   * does not run has its disks returned and is STOPPED: a start boots them.
   */
  void restore(SnapshotRequest request) {
    SnapshotRequest job = withJob(VmOperation.RESTORE_SNAPSHOT, request);
    VmStatus restored = onHost("return the VM to snapshot " + job.name(),
        h -> h.restoreSnapshot(host.vmId(), vm.record().spec(), job.name(), job.jobId()));
    readiness.endBoot();
    String why = restored.alive()
        ? "returned to snapshot " + job.name() + ": " + restored.reason()
        : "the disks were returned to snapshot " + job.name() + "; a start boots them";
    vm.apply(new VmStatus(restored.vmId(), restored.alive() ? restored.state() : VmState.STOPPED, restored.qemuRunState(), restored.pid(),
        restored.alive(), why, restored.startTime(), restored.observedAt()));
  }

  void delete(SnapshotRequest request) {
    SnapshotRequest job = withJob(VmOperation.DELETE_SNAPSHOT, request);
    onHost("delete snapshot " + job.name(), h -> {
      h.deleteSnapshot(host.vmId(), vm.record().spec(), job.name(), job.jobId());
      return null;
    });
    vm.change(record -> record.withSnapshots(others(record.snapshots(), job.name()).toList()));
    vm.publish();
  }

  /** The host job's id: the operation's kind and a UUID of the workflow's, the same when the workflow replays. */
  private static SnapshotRequest withJob(VmOperation operation, SnapshotRequest request) {
    return request.withJobId(operation.updateName() + "-" + Workflow.randomUUID());
  }

  private static Stream<Snapshot> others(List<Snapshot> snapshots, String name) {
    return snapshots.stream().filter(snapshot -> !snapshot.name().equals(name));
  }

  /**
   * A failed job may have ended otherwise than the record assumes (a snapshot the host had from
   * before, one half deleted), so the host's list replaces the record's; not when the host did
   * not pick up the work (unreachable or busy), for then nothing changed and the list would not be
   * read either.
   */
  private <T> T onHost(String summary, Function<HostActivities, T> body) {
    try {
      return host.call(summary, HostActivityOptions::snapshot, body);
    } catch (ApplicationFailure failure) {
      if (!FailureReasons.HOST_UNAVAILABLE.equals(failure.getType()) && !FailureReasons.HOST_BUSY.equals(failure.getType())) {
        relist();
      }
      throw failure;
    }
  }

  private void relist() {
    try {
      List<Snapshot> held = host.call("list the snapshots the VM's disks hold", HostActivityOptions::quick,
          h -> h.listSnapshots(host.vmId(), vm.record().spec()));
      vm.change(record -> record.withSnapshots(held));
      vm.publish();
    } catch (ApplicationFailure failure) {
      log.warn("VM {}: cannot list its snapshots: {}", vm.name(), failure.getOriginalMessage());
    }
  }
}
