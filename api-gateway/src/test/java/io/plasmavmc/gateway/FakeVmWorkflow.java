package io.plasmavmc.gateway;

import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWatch;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.spec.DiskSpec;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A running VM's workflow as the gateway meets it, for CreateVm's placement and the snapshot and
 * delete calls: its validators refuse as the real one's do (a contract reason, a message that may
 * name host files). A VM without a host is placed on h2, or refused by placement as its name says
 * ("cordoned", "unknown-host", "nowhere").
 */
public final class FakeVmWorkflow implements VmWorkflow {
  static final String HOST_TEXT = "/var/lib/plasmavmc/vms/demo/disk0.qcow2: qemu-img: Could not open";
  static final String PLACED = "spread: h2 has the most memory left (7.5 GiB of 8 GiB) of 2 hosts that fit";
  /** What the last DeleteVm sent. */
  static final AtomicReference<DeleteRequest> LAST_DELETE = new AtomicReference<>();
  /** What the last VM's workflow started with. */
  static final AtomicReference<VmWorkflowInput> LAST_INPUT = new AtomicReference<>();

  private VmRecord record;
  private boolean deleted;

  @Override
  public VmRecord run(VmWorkflowInput input) {
    Instant now = Instant.ofEpochMilli(Workflow.currentTimeMillis());
    LAST_INPUT.set(input);
    record = new VmRecord(input.vmId(), input.name(), input.requestId(), input.spec(), input.hostId(), VmState.RUNNING, "guest is running",
        "running", 4242, now, now, now, List.of(), 1, null);
    if (input.hostId() == null) {
      record = record.withPlacement("h2", PLACED);
    }
    Workflow.await(() -> deleted);
    return record;
  }

  @Override
  public void validateSnapshot(SnapshotRequest request) {
    if (record.spec().disks().stream().noneMatch(DiskSpec::owned)) {
      throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, FailureReasons.SNAPSHOT_UNSUPPORTED);
    }
    if (find(request.name()) != null) {
      throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, FailureReasons.SNAPSHOT_EXISTS);
    }
    if (record.snapshots().size() >= SnapshotRequest.MAX_SNAPSHOTS) {
      throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, FailureReasons.SNAPSHOT_LIMIT);
    }
  }

  @Override
  public VmRecord snapshot(SnapshotRequest request) {
    List<Snapshot> snapshots = new ArrayList<>(record.snapshots());
    snapshots.add(new Snapshot(request.name(), Instant.ofEpochMilli(Workflow.currentTimeMillis()), true, 130L << 20));
    record = record.withSnapshots(snapshots);
    return record;
  }

  @Override
  public void validateRestoreSnapshot(SnapshotRequest request) {
    if (find(request.name()) == null) {
      throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, FailureReasons.SNAPSHOT_NOT_FOUND);
    }
  }

  @Override
  public VmRecord restoreSnapshot(SnapshotRequest request) {
    return record;
  }

  @Override
  public void validateDeleteSnapshot(SnapshotRequest request) {}

  @Override
  public VmRecord deleteSnapshot(SnapshotRequest request) {
    record = record.withSnapshots(record.snapshots().stream().filter(s -> !s.name().equals(request.name())).toList());
    return record;
  }

  @Override
  public void validateDelete(DeleteRequest request) {}

  @Override
  public VmRecord delete(DeleteRequest request) {
    LAST_DELETE.set(request);
    deleted = true;
    record = record.withState(VmState.DELETED, "deleted", Instant.ofEpochMilli(Workflow.currentTimeMillis()));
    return record;
  }

  @Override
  public VmRecord describe() {
    return record;
  }

  private Snapshot find(String name) {
    return record.snapshots().stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
  }

  /** Placement's refusals as the fleet words them. */
  @Override
  public VmRecord awaitCreated(String requestId) {
    Workflow.await(() -> record != null); // update-with-start: the update is handled before the workflow's method runs
    return switch (record.name()) {
      case "cordoned" -> throw ApplicationFailure.newNonRetryableFailure("host h1 is cordoned (kernel upgrade): it takes no new VMs",
          FailureReasons.HOST_CORDONED);
      case "unknown-host" -> throw ApplicationFailure.newNonRetryableFailure("no host h9 has registered", FailureReasons.HOST_NOT_FOUND);
      case "nowhere" -> throw ApplicationFailure.newNonRetryableFailure("no host has room for 64 GiB of memory: the most left is 7.5 GiB "
          + "(h2)", FailureReasons.NO_HOST_FITS);
      default -> record;
    };
  }

  /** How many migrations ran (not refused by the validator), in all VMs. */
  static final AtomicInteger MIGRATIONS = new AtomicInteger();

  /** Refuses as the real one does: a VM named "stopped" is STOPPED, one named "owning" has disks of its own. */
  @Override
  public void validateMigrate(MigrateRequest request) {
    if (record.name().equals("stopped")) {
      throw ApplicationFailure.newNonRetryableFailure("VM stopped is STOPPED: cannot migrate; only a RUNNING or PAUSED VM migrates",
          FailureReasons.ILLEGAL_TRANSITION, "stopped", "STOPPED", "RUNNING,PAUSED");
    }
    if (record.name().equals("owning")) {
      throw ApplicationFailure.newNonRetryableFailure("VM owning has storage of its own on host h1 (spec.disks[0]: an overlay of image "
          + "debian), which no other host sees", FailureReasons.MIGRATION_UNSUPPORTED);
    }
  }

  /** To the host named, or h3 by placement; a VM named "failing" fails and is undone, the target "h9" never registered. */
  @Override
  public VmRecord migrate(MigrateRequest request) {
    MIGRATIONS.incrementAndGet();
    if ("h9".equals(request.targetHostId())) {
      throw ApplicationFailure.newNonRetryableFailure("host h9 is not known: no worker of that id has registered",
          FailureReasons.HOST_NOT_FOUND, "h9");
    }
    if (record.name().equals("failing")) {
      throw ApplicationFailure.newNonRetryableFailure("migration of VM failing to host h3 failed while sending the VM's state to host h3: "
          + "QEMU's transfer failed; undone: the VM is RUNNING on host " + record.hostId() + " as before", FailureReasons.MIGRATION_FAILED);
    }
    Workflow.sleep(Duration.ofMillis(200)); // a concurrent repeat of the call joins it meanwhile
    String target = request.targetNamed() ? request.targetHostId() : "h3";
    record = record.withPlacement(target, "migrated from host " + record.hostId() + " (" + request.maxBandwidthMibps() + " MiB/s, "
        + request.maxDowntimeMs() + " ms)");
    return record;
  }

  // --- not called by these tests ------------------------------------------------------------

  @Override
  public void validateCreate(String requestId) {}

  @Override
  public VmRecord start() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void validateStart() {}

  @Override
  public VmRecord stop(StopRequest request) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void validateStop(StopRequest request) {}

  @Override
  public VmRecord pause() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void validatePause() {}

  @Override
  public VmRecord resume() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void validateResume() {}

  @Override
  public VmRecord reboot() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void validateReboot() {}

  @Override
  public VmRecord awaitReady() {
    throw new UnsupportedOperationException();
  }

  @Override
  public void validateAwaitReady() {}

  @Override
  public void hostEvent(HostEvent event) {}

  @Override
  public VmWatch watch(long afterSeq) {
    return new VmWatch(record, List.of());
  }
}
