package io.plasmavmc.workflow;

import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowClient;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.contract.testrun.VmOperations;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Supplier;

/**
 * {@link VmOperations} through the Temporal client. An Update is sent with an id made of this
 * activity's own, so a retry (after this worker died) joins the Update already sent instead of
 * sending a second one; while it waits the activity heartbeats, so a dead worker is noticed in
 * seconds.
 */
public final class VmOperationsImpl implements VmOperations {
  private static final Duration BEAT = Duration.ofSeconds(1);
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
    ActivityExecutionContext context = Activity.getExecutionContext();
    try {
      CompletableFuture<VmRecord> result = send.get().getResultAsync();
      while (true) {
        try {
          return result.get(BEAT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          context.heartbeat(null);
        }
      }
    } catch (ExecutionException e) {
      throw vmFailure(name, e.getCause());
    } catch (WorkflowException e) {
      throw vmFailure(name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    }
  }

  private static RuntimeException vmFailure(String name, Throwable failure) {
    if (failure instanceof WorkflowNotFoundException) {
      return ApplicationFailure.newNonRetryableFailure("VM " + name + " does not exist", FailureReasons.NOT_FOUND);
    }
    if (failure instanceof WorkflowUpdateException update && update.getCause() instanceof ApplicationFailure app) {
      return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), app.getType());
    }
    if (failure instanceof ApplicationFailure app) {
      return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), app.getType());
    }
    // Temporal unreachable and the like: retried.
    return failure instanceof RuntimeException runtime ? runtime : new RuntimeException(failure);
  }

}
