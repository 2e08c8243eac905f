package io.plasmavmc.contract;

import io.plasmavmc.contract.host.HostEvent;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One VM's life as one durable workflow, id {@code vm-<vmId>}. Operations are Updates (the caller
 * gets the VM as it ended up; a validator rejects an illegal transition before anything is
 * written), reads are Queries. The workflow ends when the VM is deleted.
 */
@WorkflowInterface
public interface VmWorkflow {

  @WorkflowMethod(name = "VmWorkflow")
  VmRecord run(VmWorkflowInput input);

  /**
   * Waits until creation (and, if asked, the first start) has finished; returns the VM. Sent with
   * the workflow's start (update-with-start), or alone to a VM that exists: the validator accepts
   * only the request that created the VM (a retry), so a different one for a taken name is refused.
   */
  @UpdateMethod(name = "create")
  VmRecord awaitCreated(String requestId);

  @UpdateValidatorMethod(updateName = "create")
  void validateCreate(String requestId);

  @UpdateMethod(name = "start")
  VmRecord start();

  @UpdateValidatorMethod(updateName = "start")
  void validateStart();

  @UpdateMethod(name = "stop")
  VmRecord stop(StopRequest request);

  @UpdateValidatorMethod(updateName = "stop")
  void validateStop(StopRequest request);

  @UpdateMethod(name = "pause")
  VmRecord pause();

  @UpdateValidatorMethod(updateName = "pause")
  void validatePause();

  @UpdateMethod(name = "resume")
  VmRecord resume();

  @UpdateValidatorMethod(updateName = "resume")
  void validateResume();

  @UpdateMethod(name = "reboot")
  VmRecord reboot();

  @UpdateValidatorMethod(updateName = "reboot")
  void validateReboot();

  /**
   * Ends QEMU, removes the runtime directory and, unless {@link DeleteRequest#keepDisks}, the VM's
   * own disks and seed. Recorded histories sent no request: it arrives as null, meaning
   * {@link DeleteRequest#ALL}.
   */
  @UpdateMethod(name = "delete")
  VmRecord delete(DeleteRequest request);

  @UpdateValidatorMethod(updateName = "delete")
  void validateDelete(DeleteRequest request);

  /**
   * Takes snapshot {@code request.name()} of the VM's own qcow2 disks: with the guest's RAM while
   * QEMU runs (RUNNING or PAUSED; the guest runs on afterwards as it was), disk-only while it is
   * STOPPED or CREATED. Refused (FAILED_PRECONDITION) for a VM without a qcow2 disk of its own or
   * with a writable disk that cannot be snapshotted; ALREADY_EXISTS for a name taken.
   */
  @UpdateMethod(name = "snapshot")
  VmRecord snapshot(SnapshotRequest request);

  @UpdateValidatorMethod(updateName = "snapshot")
  void validateSnapshot(SnapshotRequest request);

  /**
   * Returns the VM to snapshot {@code request.name()}: a running or paused VM to its RAM and disks
   * (a snapshot with memory; the VM is then as it was when taken: running or paused), a stopped
   * VM to its disks (it stays STOPPED; a start boots them). A disk-only snapshot cannot be loaded
   * into a running VM: stop it first (FAILED_PRECONDITION).
   */
  @UpdateMethod(name = "restoreSnapshot")
  VmRecord restoreSnapshot(SnapshotRequest request);

  @UpdateValidatorMethod(updateName = "restoreSnapshot")
  void validateRestoreSnapshot(SnapshotRequest request);

  @UpdateMethod(name = "deleteSnapshot")
  VmRecord deleteSnapshot(SnapshotRequest request);

  @UpdateValidatorMethod(updateName = "deleteSnapshot")
  void validateDeleteSnapshot(SnapshotRequest request);

  /**
   * Moves the VM, live, to another host of the fleet ({@code request.targetHostId()}, or one
   * placement chooses): QEMU on the target receives the guest's RAM and devices while the guest runs
   * on the source, then takes over; the VM's record names the target from then on (its host, its
   * QEMU, its monitor), and its recent operations list the migration with its figures. Only a
   * RUNNING or PAUSED VM migrates (it stays as it was), and only one without disks or seed of its
   * own (FAILED_PRECONDITION, MIGRATION_UNSUPPORTED). A failed migration is undone: the VM runs on,
   * on its source, and the update fails MIGRATION_FAILED saying where it failed.
   */
  @UpdateMethod(name = "migrate")
  VmRecord migrate(MigrateRequest request);

  @UpdateValidatorMethod(updateName = "migrate")
  void validateMigrate(MigrateRequest request);

  /**
   * Waits until the guest of the boot in progress is ready by the spec's readiness probe; returns
   * the VM then, fails {@link FailureReasons#GUEST_NOT_READY} when the probe's time ran out. Refused
   * for a VM without a probe or without a booting guest.
   */
  @UpdateMethod(name = "awaitReady")
  VmRecord awaitReady();

  @UpdateValidatorMethod(updateName = "awaitReady")
  void validateAwaitReady();

  /** What the VM's host observed by itself (sent by the host monitor activity). */
  @SignalMethod(name = HostEvent.SIGNAL)
  void hostEvent(HostEvent event);

  /** The VM as last observed on its host. */
  @QueryMethod(name = "describe")
  VmRecord describe();

  /** The VM now and its state changes numbered after {@code afterSeq} (the latest 100 of this run), for WatchVm. */
  @QueryMethod(name = "watch")
  VmWatch watch(long afterSeq);
}
