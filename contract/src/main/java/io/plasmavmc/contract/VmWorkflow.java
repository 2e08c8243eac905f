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

  @UpdateMethod(name = "delete")
  VmRecord delete();

  @UpdateValidatorMethod(updateName = "delete")
  void validateDelete();

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
