package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.GuestReadiness;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.StateChange;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmRegistryWorkflow;
import io.plasmavmc.contract.VmSearchAttributes;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWatch;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.ExternalWorkflowStub;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import io.temporal.workflow.WorkflowLock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The VM's state machine. Deterministic: every effect on the world is a host activity, every wait
 * a durable timer or condition, so a crash of any worker loses nothing: the next worker replays the
 * history and continues where this one stopped.
 */
public class VmWorkflowImpl implements VmWorkflow {
  private static final Logger log = Workflow.getLogger(VmWorkflowImpl.class);
  private static final Duration MONITOR_RETRY = Duration.ofSeconds(10);
  private static final Duration MONITOR_RESTART = Duration.ofSeconds(1);

  private final VmWorkflowInput input;
  private final WorkflowLock lock = Workflow.newWorkflowLock();
  private VmRecord vm;
  private boolean creationFinished;
  private boolean deleted;
  private boolean busy;
  /** The exit of the current QEMU as the host monitor reported it, while an operation runs. */
  private VmStatus exitSeen;
  /** The newest host report that arrived while an operation ran: applied when it ends, if still newer. */
  private VmStatus pendingReport;
  /** Whether host reports are ordered and attributed (version 1 of "ordered-host-reports"); null until asked. */
  private Boolean ordered;
  /** A host worker (re)started: replace the monitor now rather than when the old one times out. */
  private boolean newMonitorWanted;
  /** Host workers started since this run began: a readiness wait held by a dead one is renewed on the new one. */
  private int workerStarts;
  /** The latest state changes, for watchers; older ones are dropped. */
  private final java.util.ArrayDeque<StateChange> changes = new java.util.ArrayDeque<>();
  private ApplicationFailure creationFailure;
  /** Numbers the guest's boots; a readiness probe reports only on the boot it was started for. */
  private long boots;
  /** Readiness probes still running (the workflow does not continue as new while one runs). */
  private int probes;

  @WorkflowInit
  public VmWorkflowImpl(VmWorkflowInput input) {
    this.input = input;
    this.vm = input.carried() != null
        ? input.carried()
        : new VmRecord(input.vmId(), input.name(), input.requestId(), input.spec(), input.hostId(), VmState.CREATING,
            "creating QEMU on host " + input.hostId(), "", 0, now(), now(), now(), null, 1, null);
    this.creationFinished = input.carried() != null;
  }

  @Override
  public VmRecord run(VmWorkflowInput ignored) {
    publish();
    Async.procedure(this::superviseMonitor);
    if (input.carried() == null) {
      create();
    }
    if (!deleted) {
      Workflow.await(() -> deleted
          || (Workflow.getInfo().isContinueAsNewSuggested() && Workflow.isEveryHandlerFinished() && !busy && probes == 0));
    }
    if (!deleted) {
      log.info("VM {}: history is long; continuing as new in state {}", vm.name(), vm.state());
      Workflow.continueAsNew(input.continuing(vm));
    }
    // Workflows started before version 1 took their name out of the registry themselves; the
    // gateway does that now, and only where a registry is kept (Temporal's in-memory server).
    if (Workflow.getVersion("registry-kept-by-gateway", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      unregister();
    }
    // Let a caller still waiting on an update (e.g. CreateVm) get its answer before the workflow ends.
    Workflow.await(Workflow::isEveryHandlerFinished);
    return vm;
  }

  private void create() {
    lock.lock();
    busy = true;
    Instant started = now();
    String outcome = "ok";
    try {
      if (input.startOnCreate() && bootsInOneActivity()) {
        spawnAndStart("create");
      } else {
        spawn("create");
        if (input.startOnCreate()) {
          cont("boot");
        } else {
          refreshFromHost();
        }
      }
      if (input.startOnCreate()) {
        probeReadiness(0);
      }
    } catch (ApplicationFailure failure) {
      outcome = "failed: " + failure.getOriginalMessage();
      if (FailureReasons.INVALID_SPEC.equals(failure.getType()) || FailureReasons.HOST_FULL.equals(failure.getType())) {
        // The VM never existed: nothing on the host to keep, and the name is free again.
        creationFailure = failure;
        deleted = true;
        setState(VmState.DELETED, "creation refused: " + failure.getOriginalMessage());
      } else {
        creationFailure = failure;
        setState(VmState.FAILED, failure.getOriginalMessage());
      }
    } finally {
      vm = vm.withOperation(new OperationRecord("create", outcome, started, now()));
      busy = false;
      applyPendingReport();
      creationFinished = true;
      lock.unlock();
    }
  }

  @Override
  public VmRecord awaitCreated(String requestId) {
    Workflow.await(() -> creationFinished);
    if (creationFailure != null) {
      throw creationFailure;
    }
    return vm;
  }

  @Override
  public void validateCreate(String requestId) {
    if (requestId != null && !requestId.equals(vm.requestId())) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " already exists (created by request " + vm.requestId()
          + "); repeat that request id to get it, or choose another name", FailureReasons.NAME_TAKEN);
    }
  }

  @Override
  public VmRecord start() {
    return operation(VmOperation.START, () -> {
      if (vm.state() == VmState.CREATED) {
        cont("start");
      } else if (bootsInOneActivity()) {
        spawnAndStart("start");
      } else {
        spawn("start");
        cont("start");
      }
      probeReadiness(0); // a new QEMU starts a new serial log
    });
  }

  @Override
  public void validateStart() {
    validate(VmOperation.START);
  }

  @Override
  public VmRecord stop(StopRequest request) {
    return operation(VmOperation.STOP, () -> {
      // Only a running guest can react to the power button; a paused or never-started one is ended.
      boolean graceful = !request.force() && (vm.state() == VmState.RUNNING);
      endReadiness();
      if (graceful) {
        gracefulStop(Duration.ofSeconds(request.timeoutSeconds()));
      } else {
        kill(request.force() ? "forced stop requested" : "stopping a VM that is " + vm.state());
      }
    });
  }

  @Override
  public void validateStop(StopRequest request) {
    validate(VmOperation.STOP);
  }

  @Override
  public VmRecord pause() {
    return operation(VmOperation.PAUSE, () -> apply(quick("pause guest vCPUs", h -> h.pause(input.vmId()))));
  }

  @Override
  public void validatePause() {
    validate(VmOperation.PAUSE);
  }

  @Override
  public VmRecord resume() {
    return operation(VmOperation.RESUME, () -> apply(quick("resume guest vCPUs", h -> h.cont(input.vmId()))));
  }

  @Override
  public void validateResume() {
    validate(VmOperation.RESUME);
  }

  @Override
  public VmRecord reboot() {
    return operation(VmOperation.REBOOT, () -> {
      boolean wasPaused = vm.state() == VmState.PAUSED;
      // The new boot's console output starts where the log ends now.
      long consoleEnd = vm.spec().readiness() == null ? 0
          : call("read the serial log's length", HostActivityOptions::quick, h -> h.readConsole(input.vmId(), 0)).totalBytes();
      endReadiness();
      VmStatus status = quick("hard reset (system_reset)", h -> h.reset(input.vmId()));
      if (wasPaused) {
        status = quick("resume after reset", h -> h.cont(input.vmId()));
      }
      apply(status);
      probeReadiness(consoleEnd);
    });
  }

  @Override
  public void validateReboot() {
    validate(VmOperation.REBOOT);
  }

  @Override
  public VmRecord delete() {
    return operation(VmOperation.DELETE, () -> {
      endReadiness();
      setState(VmState.DELETING, "deleting: stopping QEMU and removing its runtime directory");
      VmStatus status = call("kill QEMU for delete", HostActivityOptions::kill, h -> h.kill(input.vmId()));
      vm = vm.withStatus(status, now()).withState(VmState.DELETING, "deleting: removing the runtime directory", now());
      call("remove runtime directory", HostActivityOptions::quick, h -> {
        h.cleanup(input.vmId());
        return null;
      });
      deleted = true;
      setState(VmState.DELETED, "deleted");
    });
  }

  @Override
  public void validateDelete() {
    validate(VmOperation.DELETE);
  }

  @Override
  public VmRecord describe() {
    return vm;
  }

  @Override
  public VmWatch watch(long afterSeq) {
    return new VmWatch(vm, changes.stream().filter(change -> change.seq() > afterSeq).toList());
  }

  private void recordChange() {
    if (changes.isEmpty() || changes.peekLast().seq() != vm.stateSeq()) {
      changes.addLast(new StateChange(vm.stateSeq(), vm.state(), vm.stateReason(), vm.stateChangedAt(), vm.hostUnreachableSince() != null));
      while (changes.size() > 100) {
        changes.removeFirst();
      }
    }
  }

  @Override
  public VmRecord awaitReady() {
    Workflow.await(() -> deleted || vm.readiness() == null || vm.readiness().status() != GuestReadiness.Status.WAITING);
    GuestReadiness readiness = vm.readiness();
    if (deleted) {
      throw VmFailures.deleted(vm.name());
    }
    if (readiness == null) {
      throw VmFailures.illegal("VM " + vm.name() + " is " + vm.state() + ": its guest stopped before it was ready");
    }
    if (readiness.status() == GuestReadiness.Status.NOT_READY) {
      throw ApplicationFailure.newNonRetryableFailure(readiness.reason(), FailureReasons.GUEST_NOT_READY, vm.name());
    }
    return vm;
  }

  @Override
  public void validateAwaitReady() {
    if (vm.state() == VmState.DELETED || deleted) {
      throw VmFailures.deleted(vm.name());
    }
    if (vm.spec().readiness() == null) {
      throw VmFailures.illegal("VM " + vm.name() + " has no readiness probe: give its spec a readiness probe to wait for its guest");
    }
    if (vm.readiness() == null) {
      throw VmFailures.illegal("VM " + vm.name() + " is " + vm.state() + ": its guest is not booting");
    }
  }

  /**
   * Starts the spec's readiness probe for the boot that just began (none without a probe or a
   * running guest): the guest is WAITING until a console line after {@code fromOffset} matches,
   * READY then, or NOT_READY when the probe's durable timer fires first. It runs beside the VM's
   * operations, so a boot's caller gets RUNNING at once and waits for readiness only if asked.
   */
  private void probeReadiness(long fromOffset) {
    io.plasmavmc.contract.spec.ReadinessProbe probe = vm.spec().readiness();
    if (probe == null || vm.state() != VmState.RUNNING) {
      return;
    }
    long boot = ++boots;
    Duration timeout = Duration.ofSeconds(probe.timeoutSeconds());
    vm = vm.withReadiness(new GuestReadiness(GuestReadiness.Status.WAITING, "waiting for " + probe.describe(), now()),
        "guest booting: waiting up to " + probe.timeoutSeconds() + " s for " + probe.describe()
            + (probe.guestAgent() ? "" : " on the serial console"), now());
    publish();
    probes++;
    Async.procedure(() -> {
      try {
        awaitReadiness(boot, probe, fromOffset, timeout);
      } finally {
        probes--;
      }
    });
  }

  private void awaitReadiness(long boot, io.plasmavmc.contract.spec.ReadinessProbe probe, long fromOffset, Duration timeout) {
    Instant started = now();
    Promise<io.plasmavmc.contract.host.ProbeResult>[] match = new Promise[1];
    Promise<Void>[] deadline = new Promise[1];
    CancellationScope[] waiting = new CancellationScope[1];
    CancellationScope scope = Workflow.newCancellationScope(() -> {
      waiting[0] = Workflow.newCancellationScope(() -> match[0] = hostWait(probe, fromOffset, timeout));
      waiting[0].run();
      deadline[0] = Workflow.newTimer(timeout, TimerOptions.newBuilder()
          .setSummary("readiness timeout (" + timeout.toSeconds() + " s)").build());
    });
    scope.run();
    // Either may end cancelled below; that is expected, not an error to report.
    match[0].exceptionally(cancelled -> null);
    deadline[0].exceptionally(cancelled -> null);
    boolean renewed = false;
    int[] startsSeen = {workerStarts};
    while (true) {
      // (QEMU's exit takes the readiness away: the boot is over.)
      Workflow.await(() -> match[0].isCompleted() || deadline[0].isCompleted() || boots != boot || deleted || vm.readiness() == null
          || workerStarts != startsSeen[0]);
      boolean waitingStill = !match[0].isCompleted() && !deadline[0].isCompleted() && boots == boot && !deleted && vm.readiness() != null;
      if (!waitingStill) {
        break;
      }
      startsSeen[0] = workerStarts;
      if (Workflow.getVersion("renew-readiness-wait-on-worker-start", Workflow.DEFAULT_VERSION, 1) == 1) {
        // The host's wait was held by the worker that died: the new one starts it again at once
        // (it reads the console from the boot's start), instead of after the dead one's heartbeat timeout.
        waiting[0].cancel();
        Duration elapsed = Duration.between(started, now());
        Duration left = elapsed.compareTo(timeout) >= 0 ? Duration.ofSeconds(1) : timeout.minus(elapsed);
        waiting[0] = Workflow.newCancellationScope(() -> match[0] = hostWait(probe, fromOffset, left));
        waiting[0].run();
        match[0].exceptionally(cancelled -> null);
        renewed = true;
        log.info("VM {}: host worker started; waiting for {} anew", vm.name(), probe.describe());
      }
    }
    if (match[0].isCompleted() && (match[0].getFailure() != null || !match[0].get().ready())) {
      // The host's wait ended without a match before the guest's time was up (it never should):
      // the durable timer still decides.
      Workflow.await(() -> deadline[0].isCompleted() || boots != boot || deleted || vm.readiness() == null);
    }
    if (!match[0].isCompleted()) {
      if (renewed) {
        waiting[0].cancel();
      }
      scope.cancel(); // the guest's time is up, or its boot was ended: stop watching its console
    }
    if (boots != boot || deleted || vm.readiness() == null) {
      return;
    }
    GuestReadiness result;
    String reason;
    io.plasmavmc.contract.host.ProbeResult matched = match[0].isCompleted() && match[0].getFailure() == null ? match[0].get() : null;
    if (matched != null && matched.ready()) {
      Instant at = matched.noticedAtMillis() > 0 ? Instant.ofEpochMilli(matched.noticedAtMillis()) : now();
      result = new GuestReadiness(GuestReadiness.Status.READY, "ready: " + probe.describe() + ": \"" + matched.detail() + "\"", at);
      reason = "guest ready: " + probe.describe() + (probe.guestAgent() ? " answered " : " matched ")
          + Duration.between(started, at).toMillis() + " ms after boot";
    } else if (match[0].isCompleted() && match[0].getFailure() != null) {
      reason = "guest readiness unknown: the host could not watch its console (" + match[0].getFailure().getMessage() + ")";
      result = new GuestReadiness(GuestReadiness.Status.NOT_READY, reason, now());
    } else {
      reason = "guest not ready: " + probe.describe() + (probe.guestAgent() ? " did not answer" : " not seen on the serial console")
          + " within " + timeout.toSeconds() + " s";
      result = new GuestReadiness(GuestReadiness.Status.NOT_READY, reason, now());
    }
    log.info("VM {}: {}", vm.name(), reason);
    vm = vm.withReadiness(result, reason, now());
    publish();
  }

  /**
   * The host's wait for the probe (the console pattern or the agent): it ends a little after
   * {@code timeout}, so the workflow's durable timer is what decides.
   */
  private Promise<io.plasmavmc.contract.host.ProbeResult> hostWait(io.plasmavmc.contract.spec.ReadinessProbe probe, long fromOffset, Duration timeout) {
    HostActivities waiter = Workflow.newActivityStub(HostActivities.class, HostActivityOptions.awaitConsole(input.hostId(),
        input.hostTaskTimeout(), timeout, "wait for " + probe.describe() + (probe.guestAgent() ? "" : " on the serial console")));
    return probe.guestAgent()
        ? Async.function(waiter::awaitAgent, input.vmId(), timeout.plusSeconds(5))
        : Async.function(waiter::awaitConsole, input.vmId(), probe.serialPattern(), fromOffset, timeout.plusSeconds(5));
  }

  /** The guest's boot ends (stop, reboot, delete): its readiness with it. */
  private void endReadiness() {
    boots++;
    vm = vm.withoutReadiness();
  }

  @Override
  public void hostEvent(HostEvent event) {
    if (!ordered()) {
      legacyHostEvent(event);
      return;
    }
    if (!deleted && isCurrentInstance(event.status())) {
      report(event.status(), event.kind());
    }
    if (HostEvent.WORKER_STARTED.equals(event.kind())) {
      newMonitorWanted = true;
      workerStarts++;
    }
  }

  /** Before version 1: reports of the watched pid applied as they come, those during an operation dropped. */
  private void legacyHostEvent(HostEvent event) {
    if (deleted || vm.pid() == 0 || event.qemuPid() != vm.pid()) {
      return; // about a QEMU that is not (or no longer) this VM's
    }
    if (!event.status().alive()) {
      exitSeen = event.status();
    }
    if (busy) {
      return; // the running operation owns the state and reads exitSeen
    }
    if (event.status().state() != vm.state() || !event.status().alive() || vm.hostUnreachableSince() != null) {
      log.info("VM {}: host reports {}", vm.name(), event.kind());
      apply(event.status());
    }
  }

  /**
   * Host reports are ordered and attributed from version 1 on: one applies only to the QEMU
   * instance the VM has (pid and start time) and only if the host observed it after everything
   * applied so far, the VM's own operations included, so the state never goes backwards.
   */
  private boolean ordered() {
    if (ordered == null) {
      ordered = Workflow.getVersion("ordered-host-reports", Workflow.DEFAULT_VERSION, 1) == 1;
    }
    return ordered;
  }

  private boolean isCurrentInstance(VmStatus status) {
    return vm.pid() != 0 && status.pid() == vm.pid()
        && (vm.qemuStartTime() == 0 || status.startTime() == 0 || status.startTime() == vm.qemuStartTime());
  }

  /** A report about the current instance: applied now, or kept (the newest) until the running operation ends. */
  private void report(VmStatus status, String kind) {
    if (!status.alive()) {
      exitSeen = status; // a graceful stop waits for exactly this
    }
    if (busy) {
      if (pendingReport == null || status.observedAt() > pendingReport.observedAt()) {
        pendingReport = status;
      }
      return;
    }
    applyReport(status, kind);
  }

  private void applyReport(VmStatus status, String kind) {
    if (status.observedAt() != 0 && status.observedAt() <= vm.observedAt()) {
      return; // observed before something already applied: it would take the state back
    }
    if (status.state() != vm.state() || !status.alive() || !status.qemuRunState().equals(vm.qemuRunState())
        || vm.hostUnreachableSince() != null) {
      log.info("VM {}: host reports {}", vm.name(), kind);
      apply(status);
    }
  }

  /** What the host reported while the operation ran, if it still concerns the VM's QEMU and is newer. */
  private void applyPendingReport() {
    VmStatus pending = pendingReport;
    pendingReport = null;
    if (ordered() && pending != null && !deleted && isCurrentInstance(pending)) {
      applyReport(pending, "what it saw during the operation");
    }
  }

  /**
   * Keeps a host monitor running while the VM has a QEMU: it signals what QEMU does by itself
   * (the guest powers off, QEMU dies, the guest panics) so the VM's state follows reality.
   */
  private void superviseMonitor() {
    while (true) {
      Workflow.await(() -> deleted || vm.pid() > 0);
      if (deleted) {
        return;
      }
      long watched = vm.pid();
      HostActivities monitor = Workflow.newActivityStub(HostActivities.class,
          HostActivityOptions.monitor(input.hostId(), input.hostTaskTimeout()));
      Promise<VmStatus>[] result = new Promise[1];
      CancellationScope scope = Workflow.newCancellationScope(
          () -> result[0] = Async.function(monitor::monitor, input.vmId(), watched, vm.qemuStartTime()));
      scope.run();
      newMonitorWanted = false;
      Workflow.await(() -> deleted || result[0].isCompleted() || newMonitorWanted);
      if (deleted) {
        return; // the monitor ends with QEMU, or when its heartbeat finds the workflow closed
      }
      if (newMonitorWanted && !result[0].isCompleted()) {
        log.info("VM {}: host worker started; watching QEMU pid {} anew", vm.name(), watched);
        scope.cancel(); // its worker is gone, or it would have said so; the new one watches from now
        continue;
      }
      boolean endedEarly;
      boolean workerLost = false;
      String failed = null;
      try {
        VmStatus status = result[0].get();
        endedEarly = status.alive();
        if (ordered() && isCurrentInstance(status)) {
          report(status, "the end of QEMU pid " + watched); // no exit is lost, whoever watched or not
        } else if (vm.hostUnreachableSince() != null && !busy) {
          apply(status); // the host answered again
        }
      } catch (ActivityFailure failure) {
        endedEarly = true;
        failed = String.valueOf(failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage());
        workerLost = failure.getCause() instanceof TimeoutFailure timeout && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT;
        if (!busy && FailureReasons.HOST_UNAVAILABLE.equals(VmFailures.fromActivity(failure, input.hostId()).getType())) {
          markHostUnreachable("the host monitor");
          publish();
        }
      }
      if (workerLost) {
        // The worker that ran the monitor died: a new monitor goes to the host's next worker at once,
        // and if none picks it up within the host timeout, the host is unreachable.
        log.info("VM {}: host monitor lost its worker; starting another", vm.name());
      } else if (failed != null && vm.hostUnreachableSince() == null) {
        log.warn("VM {}: host monitor failed ({}); starting another", vm.name(), failed);
        Workflow.sleep(MONITOR_RESTART);
      } else if (endedEarly) {
        // The monitor could not watch (host unreachable, QMP busy): look again shortly. A host
        // that returns is seen within this pause plus the schedule-to-start timeout.
        Workflow.sleep(MONITOR_RETRY);
      } else {
        Workflow.await(() -> deleted || vm.pid() != watched);
      }
    }
  }

  // --- operations -------------------------------------------------------------------------

  private void validate(VmOperation operation) {
    if (vm.state() == VmState.DELETED) {
      throw VmFailures.deleted(vm.name());
    }
    if (!Transitions.acceptable(operation, vm.state())) {
      throw VmFailures.illegal(operation, vm.state(), vm.name());
    }
  }

  /** One operation at a time: waits for the VM's lock, re-checks the transition, records the outcome. */
  /** What the running operation's record should say instead of "ok" (a forced-off graceful stop). */
  private String operationNote;

  private VmRecord operation(VmOperation operation, Runnable body) {
    lock.lock();
    busy = true;
    Instant started = now();
    VmState before = vm.state();
    String outcome = "ok";
    operationNote = null;
    try {
      Transitions.Decision decision = Transitions.decide(operation, vm.state());
      if (vm.state() == VmState.DELETED && operation != VmOperation.DELETE) {
        outcome = "refused: VM was deleted";
        throw VmFailures.deleted(vm.name());
      }
      if (decision == Transitions.Decision.ILLEGAL) {
        outcome = "refused: VM was " + vm.state();
        throw VmFailures.illegal(operation, vm.state(), vm.name());
      }
      if (decision == Transitions.Decision.NOTHING_TO_DO) {
        outcome = "nothing to do: VM was already " + vm.state();
      } else {
        log.info("VM {}: {} (state {})", vm.name(), operation.updateName(), vm.state());
        body.run();
      }
    } catch (ApplicationFailure failure) {
      if (!outcome.startsWith("refused")) {
        outcome = "failed: " + failure.getOriginalMessage();
      }
      if ((FailureReasons.HOST_UNAVAILABLE.equals(failure.getType()) || FailureReasons.HOST_FULL.equals(failure.getType()))
          && vm.state() != before) {
        // The host did not take the work (or had no room for it): the VM is as it was before.
        vm = vm.withState(before, vm.stateReason(), now());
      }
      throw failure;
    } finally {
      if (outcome.equals("ok") && operationNote != null) {
        outcome = operationNote;
      }
      vm = vm.withOperation(new OperationRecord(operation.updateName(), outcome, started, now()));
      busy = false;
      applyPendingReport();
      publish();
      lock.unlock();
    }
    return vm;
  }

  private void spawn(String why) {
    setState(VmState.CREATING, "starting QEMU on host " + input.hostId());
    VmHandle handle = call("spawn QEMU (" + why + ")", HostActivityOptions::spawn, h -> h.spawn(input.vmId(), input.spec()));
    vm = vm.withInstance(handle.pid(), handle.startTime(), now());
    setState(VmState.CREATED, "QEMU pid " + handle.pid() + " is up (" + handle.accelerator() + "), guest not started");
  }

  /** Spawns QEMU and lets the guest run in one host activity. */
  private void spawnAndStart(String why) {
    setState(VmState.CREATING, "starting QEMU on host " + input.hostId());
    VmStatus status = call("spawn QEMU and start the guest (" + why + ")", HostActivityOptions::spawn,
        h -> h.spawnAndStart(input.vmId(), input.spec()));
    vm = vm.withInstance(status.pid(), status.startTime(), now());
    apply(status);
  }

  /**
   * Version 1 boots a VM with one activity (spawn and cont) where it used two; workflows that
   * started with two keep them, so their histories replay.
   */
  private static boolean bootsInOneActivity() {
    return Workflow.getVersion("boot-in-one-activity", Workflow.DEFAULT_VERSION, 1) == 1;
  }

  private void cont(String why) {
    apply(quick("let the guest run (" + why + ")", h -> h.cont(input.vmId())));
  }

  /** Takes QEMU's own view of the VM (query-status), e.g. "prelaunch" right after creation. */
  private void refreshFromHost() {
    try {
      apply(quick("query QEMU status", h -> h.queryStatus(input.vmId())));
    } catch (ApplicationFailure failure) {
      log.warn("VM {}: cannot read QEMU status: {}", vm.name(), failure.getOriginalMessage());
    }
  }

  private void gracefulStop(Duration timeout) {
    String forcing = "forcing off after " + timeout.toSeconds() + " s";
    exitSeen = null;
    boolean viaAgent = false;
    if (vm.spec().guestAgent()) {
      // A guest agent shuts the guest down as its own administrator would; a guest that ignores
      // ACPI (or has no acpid) still powers off. The button remains the fallback.
      setState(VmState.STOPPING, "asking the guest agent to power off (guest-shutdown); " + forcing);
      try {
        viaAgent = call("ask the guest agent to power off (guest-shutdown)", HostActivityOptions::quick,
            h -> h.agentShutdown(input.vmId()));
      } catch (ApplicationFailure failure) {
        if (!FailureReasons.ILLEGAL_TRANSITION.equals(failure.getType())) {
          throw failure;
        }
      }
    }
    if (viaAgent) {
      setState(VmState.STOPPING, "the guest agent was asked to power off (guest-shutdown); " + forcing);
    } else {
      setState(VmState.STOPPING, (vm.spec().guestAgent() ? "the guest agent did not answer; " : "")
          + "ACPI power button pressed; " + forcing);
      try {
        quick("press the ACPI power button", h -> h.powerdown(input.vmId()));
      } catch (ApplicationFailure failure) {
        // The guest went away on its own between the request and the button press.
        if (!FailureReasons.ILLEGAL_TRANSITION.equals(failure.getType())) {
          throw failure;
        }
      }
    }
    VmStatus[] exited = new VmStatus[1];
    boolean[] deadlinePassed = new boolean[1];
    HostActivities waiter = Workflow.newActivityStub(HostActivities.class,
        HostActivityOptions.awaitExit(input.hostId(), input.hostTaskTimeout(), timeout.plusSeconds(5), "wait for the guest to power off"));
    Async.function(waiter::awaitExit, input.vmId(), timeout.plusSeconds(5)).handle((status, failure) -> {
      if (status != null && !status.alive()) {
        exited[0] = status;
      }
      return null;
    });
    // The durable timer: the deadline lives in Temporal, so it holds across any worker crash.
    Workflow.newTimer(timeout, TimerOptions.newBuilder().setSummary("graceful shutdown timeout (" + timeout.toSeconds() + " s)").build())
        .handle((fired, failure) -> {
          deadlinePassed[0] = failure == null;
          return null;
        });
    Workflow.await(() -> exited[0] != null || exitSeen != null || deadlinePassed[0]);
    // Nothing is cancelled: the wait ends by itself once QEMU is gone, and the timer's firing is
    // harmless. (Cancelling an activity that is completing at that moment races on the server.)
    if (exited[0] == null && exitSeen != null) {
      exited[0] = exitSeen;
    }
    boolean inTime = exited[0] != null;
    if (inTime) {
      apply(exited[0]);
      if (viaAgent) {
        vm = vm.withState(vm.state(), vm.stateReason() + " (asked by its guest agent)", now());
        publish();
      }
      log.info("VM {}: guest powered off by itself", vm.name());
    } else {
      log.info("VM {}: guest did not power off within {} s; forcing it off", vm.name(), timeout.toSeconds());
      operationNote = OperationRecord.FORCED_OFF + timeout.toSeconds() + " s";
      kill("guest ignored the power button for " + timeout.toSeconds() + " s");
    }
  }

  private void kill(String why) {
    setState(VmState.STOPPING, why);
    apply(call("end QEMU (quit, SIGTERM, SIGKILL)", HostActivityOptions::kill, h -> h.kill(input.vmId())));
  }

  // --- plumbing ---------------------------------------------------------------------------

  /**
   * The host's worker did not pick up {@code work} in time. Nothing was done on the host, so the
   * state stays as last seen, marked unreachable until the host answers again (any host event or
   * activity result clears it).
   */
  private void markHostUnreachable(String work) {
    if (vm.hostUnreachableSince() == null) {
      log.warn("VM {}: host {} unreachable (its worker did not pick up: {}); last seen {}", vm.name(), input.hostId(), work, vm.state());
    }
    vm = vm.withHostUnreachable("host " + input.hostId() + " unreachable: its worker did not pick up \"" + work + "\" within "
        + input.hostTaskTimeout().toSeconds() + " s", now());
  }

  private interface OptionsFactory {
    ActivityOptions options(String hostId, Duration scheduleToStart, String summary);
  }

  private <T> T call(String summary, OptionsFactory options, java.util.function.Function<HostActivities, T> body) {
    HostActivities stub = Workflow.newActivityStub(HostActivities.class, options.options(input.hostId(), input.hostTaskTimeout(), summary));
    try {
      return body.apply(stub);
    } catch (ActivityFailure failure) {
      ApplicationFailure translated = VmFailures.fromActivity(failure, input.hostId());
      if (FailureReasons.HOST_UNAVAILABLE.equals(translated.getType())) {
        markHostUnreachable(summary);
      }
      throw translated;
    }
  }

  /** A quick QMP activity (cont, stop, reset, powerdown, query-status). */
  private VmStatus quick(String summary, java.util.function.Function<HostActivities, VmStatus> body) {
    return call(summary, HostActivityOptions::quick, body);
  }

  private void apply(VmStatus status) {
    VmState before = vm.state();
    vm = vm.withStatus(status, now());
    if (before != vm.state()) {
      log.info("VM {}: {} -> {} ({})", vm.name(), before, vm.state(), vm.stateReason());
    }
    publish();
  }

  private void setState(VmState state, String reason) {
    VmState before = vm.state();
    vm = vm.withState(state, reason, now());
    if (before != state) {
      log.info("VM {}: {} -> {} ({})", vm.name(), before, state, reason);
    }
    publish();
  }

  /** Search attributes and memo, so the Temporal UI lists VMs by name, state and host. */
  private void publish() {
    recordChange();
    Workflow.upsertTypedSearchAttributes(
        VmSearchAttributes.NAME.valueSet(vm.name()),
        VmSearchAttributes.STATE.valueSet(shownState()),
        VmSearchAttributes.HOST.valueSet(vm.hostId()));
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("state", shownState());
    memo.put("reason", vm.stateReason() == null ? "" : vm.stateReason());
    memo.put("pid", vm.pid());
    Workflow.upsertMemo(memo);
    Workflow.setCurrentDetails("**" + vm.name() + "** on host `" + vm.hostId() + "`: " + shownState()
        + (vm.hostUnreachableSince() != null ? ", last seen " + vm.state() : "")
        + (vm.stateReason() == null ? "" : " (" + vm.stateReason() + ")"));
  }

  /** The state as operators see it (Temporal UI, search): the host's silence is shown, not hidden. */
  private String shownState() {
    return vm.hostUnreachableSince() != null ? "HOST_UNREACHABLE" : vm.state().name();
  }

  private void unregister() {
    try {
      ExternalWorkflowStub registry = Workflow.newUntypedExternalWorkflowStub(VmRegistryWorkflow.WORKFLOW_ID);
      registry.signal("unregister", input.vmId());
    } catch (RuntimeException e) {
      // No registry (e.g. a cluster that lists VMs through visibility): nothing to unregister from.
      log.debug("VM {}: registry not reachable: {}", vm.name(), e.getMessage());
    }
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
