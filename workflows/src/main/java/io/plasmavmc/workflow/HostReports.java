package io.plasmavmc.workflow;

import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * Applies what the VM's host reports by itself (its monitor's events, a worker's start, the end
 * of a monitor). A report is a fact about one QEMU instance (pid and start time), numbered by when
 * the host observed it: it applies only to the instance the VM has, and only if it was observed
 * after everything applied so far, the VM's own operations included, so the state never goes
 * backwards. While an operation runs it owns the state: the newest report waits until it ends,
 * and an exit is kept for the operation that waits for one (a graceful stop).
 */
final class HostReports {
  private static final Logger log = Workflow.getLogger(HostReports.class);

  private final KnownVm vm;
  private final LegacyPaths legacy;
  private boolean operationRunning;
  /** The exit of the current QEMU as the host reported it, while an operation runs. */
  private VmStatus exitSeen;
  /** The newest report that arrived while an operation ran: applied when it ends, if still newer. */
  private VmStatus pending;

  HostReports(KnownVm vm, LegacyPaths legacy) {
    this.vm = vm;
    this.legacy = legacy;
  }

  boolean operationRunning() {
    return operationRunning;
  }

  void operationBegins() {
    operationRunning = true;
  }

  /** Applies what the host reported while the operation ran, if it still concerns the VM's QEMU and is newer. */
  void operationEnds() {
    operationRunning = false;
    VmStatus report = pending;
    pending = null;
    if (legacy.ordersHostReports() && report != null && !vm.deleted() && isCurrentInstance(report)) {
      applyIfNewer(report, "what it saw during the operation");
    }
  }

  void onEvent(HostEvent event) {
    if (!vm.deleted() && isCurrentInstance(event.status())) {
      report(event.status(), event.kind());
    }
  }

  boolean isCurrentInstance(VmStatus status) {
    long pid = vm.record().pid();
    long startTime = vm.record().qemuStartTime();
    return pid != 0 && status.pid() == pid && (startTime == 0 || status.startTime() == 0 || status.startTime() == startTime);
  }

  /** A report about the current instance: applied now, or kept (the newest) until the running operation ends. */
  void report(VmStatus status, String kind) {
    if (!status.alive()) {
      noteExit(status);
    }
    if (operationRunning) {
      if (pending == null || status.observedAt() > pending.observedAt()) {
        pending = status;
      }
      return;
    }
    applyIfNewer(status, kind);
  }

  void noteExit(VmStatus status) {
    exitSeen = status;
  }

  /** Forgets an exit seen before: an operation that waits for one waits for the next. */
  void forgetExit() {
    exitSeen = null;
  }

  VmStatus exitSeen() {
    return exitSeen;
  }

  private void applyIfNewer(VmStatus status, String kind) {
    if (status.observedAt() != 0 && status.observedAt() <= vm.record().observedAt()) {
      return; // observed before something already applied: it would take the state back
    }
    if (status.state() != vm.state() || !status.alive() || !status.qemuRunState().equals(vm.record().qemuRunState())
        || vm.record().hostUnreachableSince() != null) {
      log.info("VM {}: host reports {}", vm.name(), kind);
      vm.apply(status);
    }
  }
}
