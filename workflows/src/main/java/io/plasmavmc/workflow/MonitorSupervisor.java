package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * Keeps a host monitor running while the VM has a QEMU: it signals what QEMU does by itself (the
 * guest powers off, QEMU dies, the guest panics) so the VM's state follows reality. A monitor that
 * ends is replaced; one whose worker died is replaced at once when a new worker reports in.
 */
final class MonitorSupervisor {
  private static final Logger log = Workflow.getLogger(MonitorSupervisor.class);
  /** A monitor could not watch (host busy or unreachable, QMP busy): a host that returns is seen within this plus the schedule-to-start timeout. */
  private static final Duration RETRY_AFTER_EARLY_END = Duration.ofSeconds(10);
  private static final Duration RESTART_AFTER_FAILURE = Duration.ofSeconds(1);

  /** How a monitor ended. */
  private enum End { QEMU_EXITED, ENDED_EARLY, FAILED, WORKER_LOST }

  private final KnownVm vm;
  private final HostCalls host;
  private final HostReports reports;
  private final LegacyPaths legacy;
  /** A host worker (re)started, or the VM's QEMU moved: replace the monitor now rather than when the old one ends. */
  private boolean newMonitorWanted;
  /** Why the monitor is replaced, for the log. */
  private String renewal = "";
  private Promise<VmStatus> watching;

  MonitorSupervisor(KnownVm vm, HostCalls host, HostReports reports, LegacyPaths legacy) {
    this.vm = vm;
    this.host = host;
    this.reports = reports;
    this.legacy = legacy;
  }

  /** A host worker started: the monitor its predecessor held is replaced now. */
  void workerStarted() {
    newMonitorWanted = true;
    renewal = "host worker started";
  }

  /**
   * The VM's QEMU is another now, on another host (a migration): the monitor of the old one is
   * cancelled and one of the new one started on its host, at once rather than when the old one ends.
   */
  void instanceMoved() {
    newMonitorWanted = true;
    renewal = "its QEMU moved to host " + host.hostId();
  }

  /** Runs for the workflow's whole life, beside everything else. */
  void supervise() {
    while (true) {
      Workflow.await(() -> vm.deleted() || vm.record().pid() > 0);
      if (vm.deleted()) {
        return;
      }
      long watched = vm.record().pid();
      HostActivities monitor = host.stub(HostActivityOptions::monitor);
      CancellationScope scope = Workflow.newCancellationScope(
          () -> watching = Async.function(monitor::monitor, host.vmId(), watched, vm.record().qemuStartTime()));
      scope.run();
      newMonitorWanted = false;
      Workflow.await(() -> vm.deleted() || watching.isCompleted() || newMonitorWanted);
      if (vm.deleted()) {
        return; // the monitor ends with QEMU, or when its heartbeat finds the workflow closed
      }
      if (newMonitorWanted && !watching.isCompleted()) {
        log.info("VM {}: {}; its monitor of QEMU pid {} is replaced", vm.name(), renewal, watched);
        scope.cancel(); // its worker is gone, or it would have said so; the new one watches from now
        continue;
      }
      switch (ended(watched)) {
        case WORKER_LOST ->
            // A new monitor goes to the host's next worker at once; if none picks it up within
            // the host timeout, the host's workflow says whether it is busy or gone (before the
            // busy-host-waits gate, it was unreachable).
            log.info("VM {}: host monitor lost its worker; starting another", vm.name());
        case FAILED -> Workflow.sleep(RESTART_AFTER_FAILURE);
        case ENDED_EARLY -> Workflow.sleep(RETRY_AFTER_EARLY_END);
        case QEMU_EXITED -> Workflow.await(() -> vm.deleted() || vm.record().pid() != watched);
      }
    }
  }

  /** Takes what the ended monitor saw: the exit of its QEMU is reported, whoever watched or not. */
  private End ended(long watched) {
    try {
      VmStatus status = watching.get();
      if (legacy.ordersHostReports() && reports.isCurrentInstance(status)) {
        reports.report(status, "the end of QEMU pid " + watched);
      } else if (vm.record().hostUnreachableSince() != null && !reports.operationRunning()) {
        vm.apply(status); // the host answered again
      }
      return status.alive() ? End.ENDED_EARLY : End.QEMU_EXITED;
    } catch (ActivityFailure failure) {
      String failed = String.valueOf(failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage());
      if (VmFailures.notPickedUp(failure) && host.judgesHostByItsReports()) {
        // Busy or gone: the host's workflow tells which (HostPresence), from the host's reports. A
        // monitor not picked up only waits for the next try; a host that returns renews it at once.
        log.info("VM {}: host {} did not pick up its monitor in time; asking again in {} s", vm.name(), host.hostId(),
            RETRY_AFTER_EARLY_END.toSeconds());
        return End.ENDED_EARLY;
      }
      if (!reports.operationRunning() && FailureReasons.HOST_UNAVAILABLE.equals(host.translate(failure).getType())) {
        host.markUnreachable("the host monitor");
        vm.publish();
      }
      if (failure.getCause() instanceof TimeoutFailure timeout && timeout.getTimeoutType() == TimeoutType.TIMEOUT_TYPE_HEARTBEAT) {
        return End.WORKER_LOST;
      }
      if (vm.record().hostUnreachableSince() == null) {
        log.warn("VM {}: host monitor failed ({}); starting another", vm.name(), failed);
        return End.FAILED;
      }
      return End.ENDED_EARLY;
    }
  }
}
