package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.fleet.FleetActivities;
import io.plasmavmc.contract.fleet.MigrationPlacement;
import io.plasmavmc.contract.fleet.MigrationTarget;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.MigrationActivities;
import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.host.MigrationResult;
import io.plasmavmc.contract.host.TargetAbort;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * One live migration of the VM, a saga (shared/DESIGN.md; issue 19): room reserved on the target
 * through the fleet, the target's QEMU started waiting for the VM's state, made to listen, the
 * state sent from the source (QEMU's pre-copy, followed to its end), and the target let run; then
 * the VM's record names the target (its host, its QEMU, its monitor) and the source gives its room
 * back and its QEMU ends. Exactly one QEMU owns the VM throughout: the source's until the target's
 * guest is let run, the target's from then on. Whatever fails or is cancelled before that is
 * undone backwards: the target's QEMU ended (unless it turns out to own the VM already: then the
 * saga completes forward), the source's guest given back, the target's room released; the update
 * then fails saying where, with the VM as it was on its source.
 */
final class VmMigration {
  private static final Logger log = Workflow.getLogger(VmMigration.class);
  /** The end of the source's console carried over to the target's, as much as GetConsoleLog shows by default. */
  static final int CARRIED_CONSOLE_BYTES = 64 * 1024;
  /** Failure types that say what the caller needs as they are; a target that cannot run the spec cannot take the VM. */
  private static final Set<String> KEPT_TYPES = Set.of(FailureReasons.HOST_FULL, FailureReasons.HOST_UNAVAILABLE,
      FailureReasons.MIGRATION_UNSUPPORTED);

  /** How far the migration came: what is undone depends on it. */
  private enum Phase {
    PREPARE("starting its QEMU on host %s"),
    LISTEN("making host %s listen for the VM's state"),
    TRANSFER("sending the VM's state to host %s"),
    SWITCH("letting the guest run on host %s");

    private final String words;

    Phase(String words) {
      this.words = words;
    }

    String on(String hostId) {
      return String.format(words, hostId);
    }
  }

  private final VmWorkflowInput input;
  private final KnownVm vm;
  private final HostCalls host;
  private final OperationFrame frame;
  private final MonitorSupervisor monitor;
  private final MigrateRequest request;
  private final String source;
  private final boolean running;
  /** The VM's state as the migration began: the state an undone migration leaves it in, unless its QEMU failed meanwhile. */
  private final VmState before;
  /** Names the migration on the hosts and in the fleet: made once, the same when the workflow replays. */
  private final String migrationId;
  private Phase phase = Phase.PREPARE;
  /** What the transfer reported once it completed. */
  private MigrationResult transferred;

  VmMigration(VmWorkflowInput input, KnownVm vm, HostCalls host, OperationFrame frame, MonitorSupervisor monitor, MigrateRequest request) {
    this.input = input;
    this.vm = vm;
    this.host = host;
    this.frame = frame;
    this.monitor = monitor;
    this.request = request;
    this.source = vm.record().hostId();
    this.before = vm.state();
    this.running = before == VmState.RUNNING;
    this.migrationId = "migration-" + Workflow.randomUUID();
  }

  void run() {
    MigrationTarget target = reserve();
    VmStatus taken;
    try {
      taken = forward(target);
    } catch (ApplicationFailure | CanceledFailure failure) {
      taken = undo(target, failure);
    }
    switchTo(target, taken);
    String sourceLeft = leaveSource();
    String figures = transferred == null ? "the transfer's figures unknown" : transferred.figures();
    vm.change(record -> record.withProgress("migrated from host " + source + " to host " + target.hostId() + ": " + figures, now()));
    vm.publish();
    frame.succeededAs("ok: from host " + source + " to host " + target.hostId() + ", " + figures
        + (sourceLeft == null ? "" : "; the source's QEMU was not ended: " + sourceLeft));
  }

  /** The target's room, by the fleet: the host named or one placement chose among the others. */
  private MigrationTarget reserve() {
    String asking = request.targetNamed() ? "reserve room on host " + request.targetHostId()
        : "choose a host other than " + source + " and reserve room there";
    progress("migrating: " + asking);
    FleetActivities fleet = Workflow.newActivityStub(FleetActivities.class, ControlActivityOptions.fleet("migration: " + asking));
    PlacementRequest constraints = input.placement() != null ? input.placement() : PlacementRequest.on(null);
    try {
      MigrationTarget target = fleet.reserveTarget(input.vmId(), vm.record().spec(),
          new MigrationPlacement(source, request.targetHostId(), constraints, migrationId));
      log.info("VM {}: migration {} to host {} ({})", vm.name(), migrationId, target.hostId(), target.reason());
      return target;
    } catch (ActivityFailure failure) {
      if (failure.getCause() instanceof ApplicationFailure app) {
        throw ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), app.getType());
      }
      throw ApplicationFailure.newNonRetryableFailure("the fleet could not reserve the migration's target: " + failure.getCause(),
          FailureReasons.HOST_ERROR);
    }
  }

  /** The saga's steps forward; returns the target's status once its guest runs (or stays paused, as the VM was). */
  private VmStatus forward(MigrationTarget target) {
    String to = target.hostId();
    String vmId = input.vmId();
    progress("migrating to host " + to + ": starting QEMU there for the VM's state");
    onTarget(to, "migration: start QEMU for the VM's state", m -> m.prepareIncoming(vmId, vm.record().spec(), migrationId));
    phase = Phase.LISTEN;
    String uri = onTarget(to, "migration: listen for the VM's state", m -> m.startIncoming(vmId, migrationId, target.address()));
    phase = Phase.TRANSFER;
    MigrationLimits limits = new MigrationLimits(request.maxBandwidthMibps(), request.maxDowntimeMs(), MigrationLimits.DEFAULT_TIMEOUT);
    progress("migrating to host " + to + ": sending RAM and devices (at most " + limits.maxBandwidthMibps() + " MiB/s, "
        + limits.maxDowntimeMs() + " ms of downtime)");
    transferred = host.callOn(source, MigrationActivities.class, "migration: send the VM's state to host " + to,
        (hostId, scheduleToStart, summary) -> HostActivityOptions.migrationTransfer(hostId, scheduleToStart, limits.timeout(), summary),
        m -> m.migrate(vmId, migrationId, uri, limits));
    byte[] console = carriedConsole();
    phase = Phase.SWITCH;
    progress("migrating to host " + to + ": the VM's state arrived (" + transferred.figures() + "); the target takes the VM over");
    return onTarget(to, "migration: let the guest run on the target", m -> m.finishTarget(vmId, migrationId, console, running));
  }

  /**
   * Undoes what the migration did, backwards, whatever cancels the workflow meanwhile; then fails
   * with where it failed. A target that took the VM over already (its last step did, though it
   * seemed to fail) owns it: the saga completes forward, and this returns its status.
   */
  private VmStatus undo(MigrationTarget target, TemporalFailure failure) {
    String why = failure instanceof ApplicationFailure app ? app.getOriginalMessage() : "cancelled";
    log.warn("VM {}: migration {} to host {} failed while {}: {}; undoing it", vm.name(), migrationId, target.hostId(),
        phase.on(target.hostId()), why);
    VmStatus[] owner = new VmStatus[1];
    Workflow.newDetachedCancellationScope(() -> owner[0] = compensate(target)).run();
    if (owner[0] != null) {
      log.info("VM {}: the target of migration {} owns the VM after all; completing the migration", vm.name(), migrationId);
      return owner[0];
    }
    if (failure instanceof CanceledFailure cancelled) {
      throw cancelled;
    }
    ApplicationFailure app = (ApplicationFailure) failure;
    String type = KEPT_TYPES.contains(app.getType()) ? app.getType()
        : FailureReasons.INVALID_SPEC.equals(app.getType()) ? FailureReasons.MIGRATION_UNSUPPORTED : FailureReasons.MIGRATION_FAILED;
    throw ApplicationFailure.newNonRetryableFailure("migration of VM " + vm.name() + " to host " + target.hostId() + " failed while "
        + phase.on(target.hostId()) + ": " + why + "; undone: the VM is " + vm.state() + " on host " + source
        + (vm.state() == before ? " as before" : ""), type);
  }

  /** The compensations; returns the target's status if it owns the VM, null once the migration is undone. */
  private VmStatus compensate(MigrationTarget target) {
    String to = target.hostId();
    TargetAbort abort;
    String summary = "migration failed: end the target's QEMU";
    // Before the switch the target's QEMU never ran the guest: whether it is ended now or later
    // changes nothing for the VM, which need not wait on a target that does not answer at once.
    boolean mayWait = phase == Phase.SWITCH || !LegacyPaths.queuesUnreachedAborts();
    try {
      abort = mayWait ? onTarget(to, summary, m -> m.abortTarget(input.vmId(), migrationId))
          : host.callOnceOn(to, MigrationActivities.class, summary, HostActivityOptions::migrationStep,
              m -> m.abortTarget(input.vmId(), migrationId));
    } catch (ApplicationFailure unreachable) {
      if (phase != Phase.SWITCH) {
        abort = leftInItsQueue(to, summary, unreachable, mayWait);
      } else if (LegacyPaths.waitsForSilentTargets()) {
        abort = awaitTargetsWord(to, unreachable);
      } else {
        throw stranded(to, unreachable);
      }
    }
    if (abort == TargetAbort.TARGET_OWNS_VM && phase == Phase.SWITCH) {
      return host.callOn(to, HostActivities.class, "migration: read the target's QEMU, which owns the VM", HostActivityOptions::quick,
          h -> h.queryStatus(input.vmId()));
    }
    if (phase.ordinal() >= Phase.TRANSFER.ordinal()) {
      try {
        vm.apply(onSource("migration failed: give the guest back to the source", m -> m.resumeSource(input.vmId(), migrationId, running)));
      } catch (ApplicationFailure failure) {
        log.warn("VM {}: the source could not take the guest back: {}", vm.name(), failure.getOriginalMessage());
      }
    }
    releaseRoom(to, "migration failed: give back the room reserved on host " + to);
    return null;
  }

  /**
   * A target whose QEMU never ran the guest, which did not take its abort: the abort is left in its
   * queue (where the gate allows), delivered when its worker polls again; the QEMU waits there,
   * paused, until then. The undo goes on as if it were gone.
   */
  private TargetAbort leftInItsQueue(String to, String summary, ApplicationFailure unreachable, boolean waited) {
    log.warn("VM {}: the target of migration {} on host {} could not be ended: {}{}", vm.name(), migrationId, to,
        unreachable.getOriginalMessage(), waited ? "" : "; its abort waits in the host's queue");
    if (!waited) {
      MigrationActivities later = Workflow.newActivityStub(MigrationActivities.class,
          HostActivityOptions.abortWhenReachable(to, summary + " once host " + to + " is back"));
      Async.function(later::abortTarget, input.vmId(), migrationId);
    }
    return TargetAbort.NOTHING_THERE;
  }

  /**
   * The target was told to let the guest run and did not answer within the operation's deadline:
   * only it can say whether its guest runs, so it is asked until it answers (its abort waits in its
   * queue, a day at most), the source's QEMU stopped meanwhile so that the guest never runs twice.
   * Its answer decides: a target that runs the guest owns the VM, one that did not is ended and the
   * source takes the guest back. No operator has to find out which copy is real.
   */
  private TargetAbort awaitTargetsWord(String to, ApplicationFailure silent) {
    log.warn("VM {}: host {} does not answer whether it let the guest of migration {} run ({}); asking until it does", vm.name(), to,
        migrationId, silent.getOriginalMessage());
    progress("migrating to host " + to + ": host " + to + " was told to let the guest run and does not answer ("
        + silent.getOriginalMessage() + "); waiting for it to say whether it did, the VM's QEMU on host " + source
        + " stopped meanwhile (postmigrate) so that the guest never runs twice");
    MigrationActivities patient = Workflow.newActivityStub(MigrationActivities.class,
        HostActivityOptions.abortWhenReachable(to, "migration: ask host " + to + " whether it runs the guest, or end its QEMU"));
    try {
      TargetAbort word = patient.abortTarget(input.vmId(), migrationId);
      log.info("VM {}: host {} answered at last: {}", vm.name(), to, word);
      return word;
    } catch (ActivityFailure failure) {
      throw stranded(to, VmFailures.fromActivity(failure, to));
    }
  }

  /**
   * The target was told to let the guest run and cannot be reached to say whether it did: the
   * source stays stopped (postmigrate) and the target keeps its room, for the guest must not run
   * twice. Nothing here can tell which one owns it; the operator looks at host {@code to}.
   */
  private ApplicationFailure stranded(String to, ApplicationFailure unreachable) {
    String message = "migration of VM " + vm.name() + " to host " + to + " stopped at its last step: host " + to
        + " was told to let the guest run and cannot be reached to say whether it did (" + unreachable.getOriginalMessage()
        + "); the VM's QEMU on host " + source + " stays stopped (postmigrate) so that the guest never runs twice";
    vm.change(record -> record.withProgress(message, now()));
    vm.publish();
    return ApplicationFailure.newNonRetryableFailure(message, FailureReasons.MIGRATION_FAILED);
  }

  /** The VM is the target's now: its record, its search attributes and its monitor follow. */
  private void switchTo(MigrationTarget target, VmStatus taken) {
    vm.change(record -> record.movedTo(target.hostId(), "migrated from host " + source + ": " + target.reason(), taken, now()));
    vm.publish();
    monitor.instanceMoved();
  }

  /** The source's room goes back and its QEMU ends; returns why it did not end, or null. */
  private String leaveSource() {
    releaseRoom(source, "migration: give back the room on host " + source);
    try {
      onSource("migration: end the source's QEMU", m -> {
        m.endSource(input.vmId(), migrationId);
        return null;
      });
      return null;
    } catch (ApplicationFailure failure) {
      log.warn("VM {}: the source's QEMU of migration {} on host {} was not ended: {}", vm.name(), migrationId, source,
          failure.getOriginalMessage());
      return failure.getOriginalMessage();
    }
  }

  /** The end of the source's console, for the target's to continue it; nothing if it cannot be read. */
  private byte[] carriedConsole() {
    try {
      return host.callOn(source, HostActivities.class, "migration: read the source's console to carry it over", HostActivityOptions::quick,
          h -> h.readConsole(input.vmId(), CARRIED_CONSOLE_BYTES)).data();
    } catch (ApplicationFailure failure) {
      log.warn("VM {}: the source's console is not carried over: {}", vm.name(), failure.getOriginalMessage());
      return new byte[0];
    }
  }

  private void releaseRoom(String hostId, String summary) {
    FleetActivities fleet = Workflow.newActivityStub(FleetActivities.class, ControlActivityOptions.fleet(summary));
    try {
      fleet.releaseFor(hostId, input.vmId(), migrationId);
    } catch (ActivityFailure failure) {
      log.warn("VM {}: its room on host {} could not be given back: {}", vm.name(), hostId, failure.getCause());
    }
  }

  private <T> T onTarget(String hostId, String summary, Function<MigrationActivities, T> step) {
    return host.callOn(hostId, MigrationActivities.class, summary, HostActivityOptions::migrationStep, step);
  }

  private <T> T onSource(String summary, Function<MigrationActivities, T> step) {
    return host.callOn(source, MigrationActivities.class, summary, HostActivityOptions::migrationStep, step);
  }

  /** A phase WatchVm reports and the Temporal UI shows; the VM's state stays. */
  private void progress(String reason) {
    vm.change(record -> record.withProgress(reason, now()));
    vm.publish();
  }
}
