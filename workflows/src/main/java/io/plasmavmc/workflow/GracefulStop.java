package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CompletablePromise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * A graceful stop: the guest is asked to power off (through its guest agent if it has one, else
 * by the ACPI power button), then its powering off races a durable timer; if the timer wins, QEMU
 * is ended.
 */
final class GracefulStop {
  private static final Logger log = Workflow.getLogger(GracefulStop.class);
  /** The host's wait for the exit outlasts the timer a little, so the timer is what decides. */
  private static final Duration WAIT_BEYOND_TIMEOUT = Duration.ofSeconds(5);

  private final KnownVm vm;
  private final HostCalls host;
  private final HostReports reports;
  private final QemuSteps steps;

  GracefulStop(KnownVm vm, HostCalls host, HostReports reports, QemuSteps steps) {
    this.vm = vm;
    this.host = host;
    this.reports = reports;
    this.steps = steps;
  }

  /** Returns whether the guest powered off by itself within {@code timeout}; if not, it was forced off. */
  boolean stop(Duration timeout) {
    String forcing = "forcing off after " + timeout.toSeconds() + " s";
    reports.forgetExit();
    boolean viaAgent = vm.record().spec().guestAgent() && askGuestAgent(forcing);
    if (viaAgent) {
      vm.setState(VmState.STOPPING, "the guest agent was asked to power off (guest-shutdown); " + forcing);
    } else {
      pressPowerButton(forcing);
    }
    VmStatus exited = awaitPowerOff(timeout);
    if (exited == null) {
      log.info("VM {}: guest did not power off within {} s; forcing it off", vm.name(), timeout.toSeconds());
      steps.kill("guest ignored the power button for " + timeout.toSeconds() + " s");
      return false;
    }
    vm.apply(exited);
    if (viaAgent) {
      vm.change(record -> record.withState(record.state(), record.stateReason() + " (asked by its guest agent)", now()));
      vm.publish();
    }
    log.info("VM {}: guest powered off by itself", vm.name());
    return true;
  }

  /**
   * A guest agent shuts the guest down as its own administrator would; a guest that ignores ACPI
   * (or has no acpid) still powers off. Returns whether the agent was asked.
   */
  private boolean askGuestAgent(String forcing) {
    vm.setState(VmState.STOPPING, "asking the guest agent to power off (guest-shutdown); " + forcing);
    try {
      return host.call("ask the guest agent to power off (guest-shutdown)", HostActivityOptions::quick, h -> h.agentShutdown(host.vmId()));
    } catch (ApplicationFailure failure) {
      throwUnlessGuestIsGone(failure);
      return false;
    }
  }

  private void pressPowerButton(String forcing) {
    vm.setState(VmState.STOPPING, (vm.record().spec().guestAgent() ? "the guest agent did not answer; " : "")
        + "ACPI power button pressed; " + forcing);
    try {
      host.quick("press the ACPI power button", h -> h.powerdown(host.vmId()));
    } catch (ApplicationFailure failure) {
      throwUnlessGuestIsGone(failure);
    }
  }

  /** The guest went away on its own between the request and the step: nothing left to ask. */
  private static void throwUnlessGuestIsGone(ApplicationFailure failure) {
    if (!FailureReasons.ILLEGAL_TRANSITION.equals(failure.getType())) {
      throw failure;
    }
  }

  /**
   * The guest's exit (seen by the host's wait or reported by its monitor) or, if the durable timer
   * fires first, null. The host's wait is not cancelled: it ends by itself once QEMU is gone, and
   * cancelling an activity that is completing at that moment races on the server.
   */
  private VmStatus awaitPowerOff(Duration timeout) {
    Duration wait = timeout.plus(WAIT_BEYOND_TIMEOUT);
    HostActivities waiter = host.stub((hostId, scheduleToStart) ->
        HostActivityOptions.awaitExit(hostId, scheduleToStart, wait, "wait for the guest to power off"));
    CompletablePromise<VmStatus> poweredOff = Workflow.newPromise();
    Async.function(waiter::awaitExit, host.vmId(), wait).handle((status, failure) -> {
      if (status != null && !status.alive()) {
        poweredOff.complete(status);
      }
      return null;
    });
    DeadlineTimer deadline = DeadlineTimer.start(timeout, "graceful shutdown timeout (" + timeout.toSeconds() + " s)");
    Workflow.await(() -> poweredOff.isCompleted() || reports.exitSeen() != null || deadline.passed());
    deadline.raceDecided();
    return poweredOff.isCompleted() ? poweredOff.get() : reports.exitSeen();
  }
}

