package io.plasmavmc.workflow;

import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.GuestReadiness;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWatch;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.host.HostEvent;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The VM's state machine (shared/DESIGN.md, "States"). Operations are Updates that run one at a
 * time in an {@link OperationFrame}, the first its creation ({@link VmCreation}: placed on a host
 * of the fleet, then spawned there), a live migration to another host among them ({@link
 * VmMigration}); beside them run the host monitor's supervision and the guest's readiness waits, and host reports (and the host workflow's word on the host) arrive as
 * signals. Deterministic: every effect on the world is a host activity, every wait a durable
 * timer or condition, so a crash of any worker loses nothing: the next worker replays the history
 * and continues where this one stopped.
 */
public class VmWorkflowImpl implements VmWorkflow {
  private static final Logger log = Workflow.getLogger(VmWorkflowImpl.class);

  private final VmWorkflowInput input;
  private final VmPublisher publisher = new VmPublisher();
  private final LegacyPaths legacy = new LegacyPaths();
  private final KnownVm vm;
  private final HostReports reports;
  private final OperationFrame frame;
  private final OperationGate gate;
  private final QemuSteps steps;
  private final GracefulStop gracefulStop;
  private final Readiness readiness;
  private final MonitorSupervisor monitor;
  private final SnapshotSteps snapshots;
  private final VmPlacement placement;
  private final VmCreation creation;
  private final HostPresence presence;
  private final HostCalls host;

  @WorkflowInit
  public VmWorkflowImpl(VmWorkflowInput input) {
    this.input = input;
    this.vm = new KnownVm(input.carried() != null ? input.carried() : VmCreation.firstRecord(input), publisher);
    this.reports = new HostReports(vm, legacy);
    OperationDeadline deadline = new OperationDeadline();
    this.frame = new OperationFrame(vm, reports, deadline);
    this.gate = new OperationGate(vm, frame);
    this.host = new HostCalls(input, vm, deadline);
    this.steps = new QemuSteps(vm, host);
    this.gracefulStop = new GracefulStop(vm, host, reports, steps);
    this.readiness = new Readiness(vm, host);
    this.monitor = new MonitorSupervisor(vm, host, reports, legacy);
    this.snapshots = new SnapshotSteps(vm, host, frame, readiness);
    this.placement = new VmPlacement(vm, input);
    this.creation = new VmCreation(input, vm, frame, steps, host, readiness, placement);
    this.presence = new HostPresence(vm, monitor);
  }

  @Override
  public VmRecord run(VmWorkflowInput ignored) {
    vm.publish();
    Async.procedure(monitor::supervise);
    if (input.carried() == null) {
      creation.run();
    }
    if (!vm.deleted()) {
      Workflow.await(() -> vm.deleted() || (Workflow.getInfo().isContinueAsNewSuggested() && Workflow.isEveryHandlerFinished()
          && !frame.running() && !readiness.waiting()));
    }
    if (!vm.deleted()) {
      log.info("VM {}: history is long; continuing as new in state {}", vm.name(), vm.state());
      Workflow.continueAsNew(input.continuing(vm.record()));
    }
    LegacyPaths.leaveRegistryIfStartedBeforeTheGatewayKeptIt(input.vmId(), vm.name());
    // Let a caller still waiting on an update (e.g. CreateVm) get its answer before the workflow ends.
    Workflow.await(Workflow::isEveryHandlerFinished);
    return vm.record();
  }

  // --- creation ------------------------------------------------------------------------------

  @Override
  public VmRecord awaitCreated(String requestId) {
    return creation.awaitCreated();
  }

  @Override
  public void validateCreate(String requestId) {
    creation.validate(requestId);
  }

  // --- operations ----------------------------------------------------------------------------

  @Override
  public VmRecord start() {
    return gate.run(VmOperation.START, () -> {
      if (vm.state() == VmState.CREATED) {
        steps.cont("start");
      } else {
        steps.boot("start", "start");
      }
      readiness.probe(0); // a new QEMU starts a new serial log
    });
  }

  @Override
  public VmRecord stop(StopRequest request) {
    return gate.run(VmOperation.STOP, () -> {
      // Only a running guest can react to the power button; a paused or never-started one is ended.
      boolean graceful = !request.force() && vm.state() == VmState.RUNNING;
      readiness.endBoot();
      if (!graceful) {
        steps.kill(request.force() ? "forced stop requested" : "stopping a VM that is " + vm.state());
      } else if (!gracefulStop.stop(Duration.ofSeconds(request.timeoutSeconds()))) {
        frame.succeededAs(OperationRecord.FORCED_OFF + request.timeoutSeconds() + " s");
      }
    });
  }

  @Override
  public VmRecord pause() {
    return gate.run(VmOperation.PAUSE, steps::pause);
  }

  @Override
  public VmRecord resume() {
    return gate.run(VmOperation.RESUME, steps::resume);
  }

  @Override
  public VmRecord reboot() {
    return gate.run(VmOperation.REBOOT, () -> {
      boolean wasPaused = vm.state() == VmState.PAUSED;
      long consoleEnd = vm.record().spec().readiness() == null ? 0 : steps.consoleLength(); // the new boot's output starts there
      readiness.endBoot();
      steps.reset(wasPaused);
      readiness.probe(consoleEnd);
    });
  }

  /**
   * The VM's own disks and seed go too, unless kept, and the room it holds on its host. A VM
   * recorded before a spec could have disks has none, and one recorded before placement holds no
   * room, so its deletion (replayed, too) takes the steps it always took.
   */
  @Override
  public VmRecord delete(DeleteRequest request) {
    boolean ownStorage = vm.record().spec().hasOwnStorage();
    boolean keepDisks = ownStorage && DeleteRequest.orDefault(request).keepDisks();
    return gate.run(VmOperation.DELETE, () -> {
      readiness.endBoot();
      steps.removeFromHost(ownStorage && !keepDisks);
      placement.release();
      vm.markDeleted(keepDisks ? "deleted; its own disks are kept on host " + vm.record().hostId() : "deleted");
    });
  }

  @Override
  public VmRecord snapshot(SnapshotRequest request) {
    return gate.run(VmOperation.SNAPSHOT, request, () -> snapshots.take(request));
  }

  @Override
  public VmRecord restoreSnapshot(SnapshotRequest request) {
    return gate.run(VmOperation.RESTORE_SNAPSHOT, request, () -> snapshots.restore(request));
  }

  @Override
  public VmRecord deleteSnapshot(SnapshotRequest request) {
    return gate.run(VmOperation.DELETE_SNAPSHOT, request, () -> snapshots.delete(request));
  }

  /** A live migration to another host, as a saga of its own ({@link VmMigration}). */
  @Override
  public VmRecord migrate(MigrateRequest request) {
    return gate.run(VmOperation.MIGRATE, () -> MigrationRules.refusal(vm.record(), request),
        () -> new VmMigration(input, vm, host, frame, monitor, request).run());
  }

  // --- validators: what cannot run is refused before anything is written ---------------------

  @Override
  public void validateStart() {
    gate.validate(VmOperation.START);
  }

  @Override
  public void validateStop(StopRequest request) {
    gate.validate(VmOperation.STOP);
  }

  @Override
  public void validatePause() {
    gate.validate(VmOperation.PAUSE);
  }

  @Override
  public void validateResume() {
    gate.validate(VmOperation.RESUME);
  }

  @Override
  public void validateReboot() {
    gate.validate(VmOperation.REBOOT);
  }

  @Override
  public void validateDelete(DeleteRequest request) {
    gate.validate(VmOperation.DELETE);
  }

  @Override
  public void validateSnapshot(SnapshotRequest request) {
    gate.validate(VmOperation.SNAPSHOT, request);
  }

  @Override
  public void validateRestoreSnapshot(SnapshotRequest request) {
    gate.validate(VmOperation.RESTORE_SNAPSHOT, request);
  }

  @Override
  public void validateDeleteSnapshot(SnapshotRequest request) {
    gate.validate(VmOperation.DELETE_SNAPSHOT, request);
  }

  @Override
  public void validateMigrate(MigrateRequest request) {
    gate.validate(VmOperation.MIGRATE, () -> MigrationRules.refusal(vm.record(), request));
  }

  // --- the guest's readiness -----------------------------------------------------------------

  @Override
  public VmRecord awaitReady() {
    Workflow.await(() -> vm.deleted() || vm.record().readiness() == null
        || vm.record().readiness().status() != GuestReadiness.Status.WAITING);
    GuestReadiness ready = vm.record().readiness();
    if (vm.deleted()) {
      throw VmFailures.deleted(vm.name());
    }
    if (ready == null) {
      throw VmFailures.illegal("VM " + vm.name() + " is " + vm.state() + ": its guest stopped before it was ready");
    }
    if (ready.status() == GuestReadiness.Status.NOT_READY) {
      throw ApplicationFailure.newNonRetryableFailure(ready.reason(), FailureReasons.GUEST_NOT_READY, vm.name());
    }
    return vm.record();
  }

  @Override
  public void validateAwaitReady() {
    if (vm.state() == VmState.DELETED || vm.deleted()) {
      throw VmFailures.deleted(vm.name());
    }
    if (vm.record().spec().readiness() == null) {
      throw VmFailures.illegal("VM " + vm.name() + " has no readiness probe: give its spec a readiness probe to wait for its guest");
    }
    if (vm.record().readiness() == null) {
      throw VmFailures.illegal("VM " + vm.name() + " is " + vm.state() + ": its guest is not booting");
    }
  }

  // --- what the host reports -----------------------------------------------------------------

  @Override
  public void hostEvent(HostEvent event) {
    if (!legacy.ordersHostReports()) {
      LegacyPaths.applyUnorderedHostEvent(event, vm, reports);
      return;
    }
    if (event.aboutAnotherHostThan(vm.record().hostId())) {
      // The other end of a migration (the target holds room for the VM, its worker finds the QEMU
      // waiting there): its host's news is not the VM's until the VM moves there.
      return;
    }
    if (HostPresence.concerns(event)) {
      presence.onEvent(event);
      return;
    }
    reports.onEvent(event);
    if (HostEvent.WORKER_STARTED.equals(event.kind())) {
      monitor.workerStarted();
      readiness.workerStarted();
    }
  }

  // --- queries -------------------------------------------------------------------------------

  @Override
  public VmRecord describe() {
    return vm.record();
  }

  @Override
  public VmWatch watch(long afterSeq) {
    return new VmWatch(vm.record(), publisher.changesAfter(afterSeq));
  }
}
