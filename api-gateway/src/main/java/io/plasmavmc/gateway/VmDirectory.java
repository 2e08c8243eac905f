package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmWatch;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowClient;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateStage;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The gateway's only way to a VM: its workflow, through the Temporal client. Every Temporal
 * failure leaves this class as a gRPC status (see {@link Failures}).
 */
final class VmDirectory {
  private final VmWorkflowClient vms;
  private final WorkflowClient client;

  VmDirectory(WorkflowClient client, Duration hostTaskTimeout) {
    this.vms = new VmWorkflowClient(client, hostTaskTimeout);
    this.client = client;
  }

  WorkflowClient client() {
    return client;
  }

  /**
   * Starts the VM's workflow and waits for creation in one call to Temporal (update-with-start).
   * If the workflow already runs, the update goes to it: a retry of the request that created it
   * gets the VM, another request for the name is refused by the update's validator (ALREADY_EXISTS).
   * The VM goes to the host {@code placement} names, or to the one placement chooses.
   */
  VmRecord create(String name, VmSpec spec, String requestId, boolean start, PlacementRequest placement) {
    return create(name, spec, requestId, start, placement, null);
  }

  /** The same, the creation waiting for a busy host at most {@code timeout} (null: the workflow's default). */
  VmRecord create(String name, VmSpec spec, String requestId, boolean start, PlacementRequest placement, Duration timeout) {
    try {
      return vms.create(name, spec, requestId, start, placement, timeout,
          UpdateOptions.<VmRecord>newBuilder().setWaitForStage(WorkflowUpdateStage.COMPLETED).build()).getResult();
    } catch (CompletionException e) {
      throw creationFailure(name, spec, placement, e.getCause());
    } catch (WorkflowUpdateException e) {
      throw creationFailure(name, spec, placement, e);
    } catch (RuntimeException e) {
      // The workflow may already have ended: a spec the host refused ends it before the update lands.
      VmRecord ended = vms.resultOrNull(name, Duration.ofSeconds(5));
      if (ended != null && ended.state() == VmState.DELETED) {
        throw ErrorDetails.invalidField(ended.stateReason());
      }
      throw Failures.toStatus(name, e);
    }
  }

  /**
   * A creation the host refused for want of an image is NOT_FOUND naming the images the spec asks
   * of that host; one placement refused names the host asked for, if any.
   */
  private StatusRuntimeException creationFailure(String name, VmSpec spec, PlacementRequest placement, Throwable error) {
    String hostId = placement.hostId() == null ? "" : placement.hostId();
    if (Failures.find(error, FailureReasons.IMAGE_NOT_FOUND) != null) {
      return ImageFailures.missingForVm(name, hostId.isEmpty() ? placedOn(name) : hostId,
          spec.disks().stream().map(DiskSpec::image).filter(Objects::nonNull).distinct().toList());
    }
    StatusRuntimeException fleet = FleetFailures.find(error, hostId);
    return fleet != null ? fleet : Failures.toStatus(name, error);
  }

  /** The host placement chose for the VM, as its record says (a VM refused on its host was placed first). */
  private String placedOn(String name) {
    try {
      String hostId = existing(name).describe().hostId();
      return hostId == null ? "-" : hostId;
    } catch (RuntimeException e) {
      return "-";
    }
  }

  VmRecord start(String name) {
    return update(name, VmWorkflow::start);
  }

  /** Waits until the VM's guest is ready by its readiness probe (see VmWorkflow#awaitReady). */
  VmRecord awaitReady(String name) {
    return update(name, VmWorkflow::awaitReady);
  }

  VmRecord stop(String name, StopRequest request) {
    return update(name, vm -> vm.stop(request));
  }

  VmRecord pause(String name) {
    return update(name, VmWorkflow::pause);
  }

  VmRecord resume(String name) {
    return update(name, VmWorkflow::resume);
  }

  VmRecord reboot(String name) {
    return update(name, VmWorkflow::reboot);
  }

  /** The end of the VM's serial console, read on its host by a short workflow of its own (the VM's history stays as it is). */
  ConsoleTail consoleLog(String name, int maxBytes) {
    VmRecord vm = describe(name); // NOT_FOUND for a VM that does not exist
    try {
      return vms.readConsole(vm, maxBytes);
    } catch (RuntimeException e) {
      throw Failures.toStatus(name, e);
    }
  }

  VmRecord delete(String name, DeleteRequest request) {
    return update(name, vm -> vm.delete(request));
  }

  /** Takes snapshot {@code snapshot} of the VM (the workflow gives the host's job its id). */
  VmRecord snapshot(String name, String snapshot) {
    return updateSnapshot(name, snapshot, VmOperation.SNAPSHOT, vm -> vm.snapshot(SnapshotRequest.named(snapshot)));
  }

  VmRecord restoreSnapshot(String name, String snapshot) {
    return updateSnapshot(name, snapshot, VmOperation.RESTORE_SNAPSHOT, vm -> vm.restoreSnapshot(SnapshotRequest.named(snapshot)));
  }

  VmRecord deleteSnapshot(String name, String snapshot) {
    return updateSnapshot(name, snapshot, VmOperation.DELETE_SNAPSHOT, vm -> vm.deleteSnapshot(SnapshotRequest.named(snapshot)));
  }

  /**
   * Migrates the VM live (see VmWorkflow#migrate) and answers once the migration ended. A request
   * with an id is an update of that id: a client that repeats it while the VM's workflow runs joins
   * the migration it started instead of starting another. The fleet's refusals name the target.
   */
  VmRecord migrate(String name, MigrateRequest request) {
    UpdateOptions.Builder<VmRecord> options = UpdateOptions.<VmRecord>newBuilder().setWaitForStage(WorkflowUpdateStage.COMPLETED);
    if (request.requestId() != null) {
      options.setUpdateId("migrate/" + request.requestId());
    }
    VmWorkflow vm = existing(name);
    try {
      return WorkflowClient.startUpdate(vm::migrate, request, options.build()).getResult();
    } catch (CompletionException e) {
      throw migrationFailure(name, request, e.getCause());
    } catch (RuntimeException e) {
      throw migrationFailure(name, request, e);
    }
  }

  private static StatusRuntimeException migrationFailure(String name, MigrateRequest request, Throwable error) {
    StatusRuntimeException fleet = FleetFailures.find(error, request.targetNamed() ? request.targetHostId() : "");
    return fleet != null ? fleet : Failures.toStatus(name, error);
  }

  /** The VM as its workflow last observed it; NOT_FOUND for a VM that never existed or was deleted. */
  VmRecord describe(String name) {
    VmRecord record;
    try {
      record = existing(name).describe();
    } catch (RuntimeException e) {
      throw Failures.toStatus(name, e);
    }
    if (record.state() == VmState.DELETED) {
      throw Failures.notFound(name);
    }
    return record;
  }

  /** The VM and its state changes numbered after {@code afterSeq}, in one query. */
  VmWatch watch(String name, long afterSeq) {
    try {
      return existing(name).watch(afterSeq);
    } catch (RuntimeException e) {
      throw Failures.toStatus(name, e);
    }
  }

  /** QEMU processes on {@code hostId} that no VM workflow owns, asked of the host through a short workflow. */
  Map<String, Long> orphans(String hostId) {
    try {
      return vms.orphans(hostId);
    } catch (RuntimeException e) {
      throw Failures.toStatus("", e);
    }
  }

  VmRecord describeOrNull(String name) {
    try {
      return describe(name);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private VmRecord update(String name, Function<VmWorkflow, VmRecord> operation) {
    VmWorkflow vm = existing(name);
    try {
      return operation.apply(vm);
    } catch (RuntimeException e) {
      throw Failures.toStatus(name, e);
    }
  }

  /** An operation on one of the VM's snapshots: its failures name the snapshot as well as the VM. */
  private VmRecord updateSnapshot(String name, String snapshot, VmOperation operation, Function<VmWorkflow, VmRecord> call) {
    try {
      return call.apply(existing(name));
    } catch (RuntimeException e) {
      throw SnapshotFailures.toStatus(name, snapshot, operation, e);
    }
  }

  private VmWorkflow existing(String name) {
    return vms.vm(name);
  }
}
