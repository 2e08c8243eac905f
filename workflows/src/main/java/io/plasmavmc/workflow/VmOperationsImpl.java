package io.plasmavmc.workflow;

import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowClient;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.contract.testrun.VmOperations;
import io.temporal.activity.Activity;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * {@link VmOperations} through the Temporal client ({@link ActivityUpdates}). An Update is sent
 * with an id made of this activity's own, so a retry (after this worker died) joins the Update
 * already sent instead of sending a second one.
 */
public final class VmOperationsImpl implements VmOperations {
  private final WorkflowClient client;

  public VmOperationsImpl(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public VmRecord createAndStart(String name, VmSpec spec, String hostId, String requestId, Duration hostTaskTimeout) {
    VmWorkflowClient vms = new VmWorkflowClient(client, hostTaskTimeout);
    return awaited(name, () -> vms.create(name, spec, requestId, true, hostId, accepted()));
  }

  @Override
  public VmRecord awaitReady(String name) {
    return update(name, (vm, options) -> WorkflowClient.startUpdate(vm::awaitReady, options));
  }

  @Override
  public VmRecord reboot(String name) {
    return update(name, (vm, options) -> WorkflowClient.startUpdate(vm::reboot, options));
  }

  @Override
  public VmRecord stop(String name, int timeoutSeconds) {
    return update(name, (vm, options) -> WorkflowClient.startUpdate(vm::stop, StopRequest.graceful(timeoutSeconds), options));
  }

  @Override
  public VmRecord migrate(String name, MigrateRequest request) {
    return update(name, (vm, options) -> WorkflowClient.startUpdate(vm::migrate, request, options));
  }

  @Override
  public VmRecord describe(String name) {
    try {
      return new VmWorkflowClient(client).vm(name).describe();
    } catch (WorkflowNotFoundException e) {
      return null;
    }
  }

  @Override
  public void delete(String name) {
    VmRecord now = describe(name);
    if (now == null || now.state() == VmState.DELETED) {
      return;
    }
    try {
      // The VM's own disks go with it: each attempt of a lifecycle test boots an overlay of its own.
      update(name, (vm, options) -> WorkflowClient.startUpdate(vm::delete, DeleteRequest.ALL, options));
    } catch (ApplicationFailure failure) {
      if (!FailureReasons.DELETED.equals(failure.getType()) && !FailureReasons.NOT_FOUND.equals(failure.getType())) {
        throw failure;
      }
    }
  }

  private VmRecord update(String name,
      BiFunction<VmWorkflow, UpdateOptions<VmRecord>, WorkflowUpdateHandle<VmRecord>> send) {
    VmWorkflow vm = new VmWorkflowClient(client).vm(name);
    return awaited(name, () -> send.apply(vm, accepted()));
  }

  /** Sent with an id that is the same for every attempt of this activity, different for every activity; answered once accepted. */
  private static UpdateOptions<VmRecord> accepted() {
    var info = Activity.getExecutionContext().getInfo();
    return UpdateOptions.<VmRecord>newBuilder()
        .setUpdateId(info.getWorkflowId() + "/" + info.getActivityId()).setWaitForStage(WorkflowUpdateStage.ACCEPTED).build();
  }

  /** Sends the Update, then waits for its result, heartbeating; the VM's own failures end the activity unretried. */
  private VmRecord awaited(String name, Supplier<WorkflowUpdateHandle<VmRecord>> send) {
    return ActivityUpdates.awaited(send,
        missing -> ApplicationFailure.newNonRetryableFailure("VM " + name + " does not exist", FailureReasons.NOT_FOUND));
  }
}
