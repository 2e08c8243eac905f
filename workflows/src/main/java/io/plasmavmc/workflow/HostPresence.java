package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.host.HostEvent;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/**
 * What the VM's host workflow says of the host itself: it stopped reporting (the VM's state is
 * then only the last one seen, marked HOST_UNREACHABLE, as when the host does not pick up the
 * VM's work), or it reports again (the mark goes, and the monitor is renewed at once instead of
 * when its retry comes round).
 */
final class HostPresence {
  private static final Logger log = Workflow.getLogger(HostPresence.class);

  private final KnownVm vm;
  private final MonitorSupervisor monitor;

  HostPresence(KnownVm vm, MonitorSupervisor monitor) {
    this.vm = vm;
    this.monitor = monitor;
  }

  static boolean concerns(HostEvent event) {
    return HostEvent.HOST_UNREACHABLE.equals(event.kind()) || HostEvent.HOST_REACHABLE.equals(event.kind());
  }

  void onEvent(HostEvent event) {
    if (vm.deleted()) {
      return;
    }
    boolean marked = vm.record().hostUnreachableSince() != null;
    if (HostEvent.HOST_UNREACHABLE.equals(event.kind())) {
      if (!marked) {
        log.warn("VM {}: {}; last seen {}", vm.name(), event.detail(), vm.state());
      }
      vm.change(record -> record.withHostUnreachable(event.detail(), now()));
    } else if (marked) {
      log.info("VM {}: {}", vm.name(), event.detail());
      vm.change(record -> record.withHostReachable(event.detail() + "; last seen " + record.state() + ", its monitor renewed", now()));
      monitor.workerStarted();
    }
    vm.publish();
  }
}
