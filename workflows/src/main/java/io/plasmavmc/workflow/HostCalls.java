package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * How a VM's workflow asks its host for something: an activity stub on the queue of the host its
 * record names (the one placement chose), a failure turned into one of {@link VmFailures}' types.
 * Work the host does not pick up within the host timeout is judged by the host's own reports, as
 * its host workflow passes them on ({@link HostPresence}): a host that stopped reporting is
 * unreachable and the operation fails HOST_UNAVAILABLE; one that reports is only busy, and the
 * work is asked again until the operation's deadline ({@link OperationDeadline}), past which it
 * fails HOST_BUSY. A starved worker is not a lost one (issue 20: 5 of 300 creates on a full host
 * failed as "unreachable" while its worker ran). VMs recorded before the busy-host-waits gate, and
 * VMs placed before placement existed (no host workflow tells them of their host), keep the old
 * rule: not picked up in time means unreachable.
 */
final class HostCalls {
  private static final Logger log = Workflow.getLogger(HostCalls.class);
  /** Less than this left before the deadline is not worth another wait in the host's queue. */
  private static final Duration LEAST_WAIT = Duration.ofSeconds(1);

  /** The options of one kind of host activity (see {@link HostActivityOptions}). */
  interface Options {
    ActivityOptions options(String hostId, Duration scheduleToStart, String summary);
  }

  private final VmWorkflowInput input;
  private final KnownVm vm;
  private final OperationDeadline deadline;

  HostCalls(VmWorkflowInput input, KnownVm vm, OperationDeadline deadline) {
    this.input = input;
    this.vm = vm;
    this.deadline = deadline;
  }

  String vmId() {
    return input.vmId();
  }

  /** The VM's host: the one its input named in workflows recorded before placement, the one placement chose since. */
  String hostId() {
    return vm.record().hostId();
  }

  /** Runs {@code body} against the host and waits for it; fails with a VM failure type. */
  <T> T call(String summary, Options options, Function<HostActivities, T> body) {
    return callOn(hostId(), HostActivities.class, summary, options, body);
  }

  /**
   * Runs {@code body} through a stub of {@code activities} on host {@code hostId}'s queue (the VM's
   * host, or another: a migration's target) and waits for it; fails with a VM failure type. Where
   * the VM judges hosts by their reports, work not picked up in time is asked again while the
   * host is not known to be gone (only the VM's own host is: its host workflow tells it), up to
   * the operation's deadline, then fails HOST_BUSY.
   */
  <A, T> T callOn(String hostId, Class<A> activities, String summary, Options options, Function<A, T> body) {
    if (!judgesHostByItsReports()) {
      return callJudgingByQueue(hostId, activities, summary, options, body);
    }
    Instant asked = now();
    Instant until = deadline.at();
    while (true) {
      // Never less than LEAST: a zero schedule-to-start is no timeout at all, and the work would wait in the queue for ever.
      Duration left = Duration.between(now(), until);
      Duration scheduleToStart = left.compareTo(LEAST_WAIT) < 0 ? LEAST_WAIT
          : left.compareTo(input.hostTaskTimeout()) < 0 ? left : input.hostTaskTimeout();
      A stub = Workflow.newActivityStub(activities, options.options(hostId, scheduleToStart, summary));
      try {
        return body.apply(stub);
      } catch (ActivityFailure failure) {
        if (!VmFailures.notPickedUp(failure)) {
          throw VmFailures.fromActivity(failure, hostId);
        }
        Duration waited = Duration.between(asked, now());
        if (hostId.equals(hostId()) && vm.record().hostUnreachableSince() != null) {
          throw VmFailures.unreachable(hostId, summary, vm.record().hostUnreachableSince());
        }
        if (Duration.between(now(), until).compareTo(LEAST_WAIT) < 0) {
          throw VmFailures.busy(hostId, summary, waited);
        }
        log.info("VM {}: host {} reports but has not picked up \"{}\" in {} s: busy, asked again (until {})", vm.name(), hostId,
            summary, waited.toSeconds(), until);
      }
    }
  }

  /**
   * One activity on host {@code hostId} that is not waited for beyond the host timeout, whatever the
   * host reports: for a step that has somewhere else to go when the host does not answer at once (a
   * failed migration's abort of its target, left in the target's queue instead), and the one try of
   * VMs that judge their host by its queue.
   */
  <A, T> T callOnceOn(String hostId, Class<A> activities, String summary, Options options, Function<A, T> body) {
    A stub = Workflow.newActivityStub(activities, options.options(hostId, input.hostTaskTimeout(), summary));
    try {
      return body.apply(stub);
    } catch (ActivityFailure failure) {
      throw VmFailures.fromActivity(failure, hostId);
    }
  }

  /**
   * Before the busy-host-waits gate: one activity, and a host that did not pick it up in time is
   * unreachable (only the VM's own host is marked so).
   */
  private <A, T> T callJudgingByQueue(String hostId, Class<A> activities, String summary, Options options, Function<A, T> body) {
    try {
      return callOnceOn(hostId, activities, summary, options, body);
    } catch (ApplicationFailure translated) {
      if (FailureReasons.HOST_UNAVAILABLE.equals(translated.getType()) && hostId.equals(hostId())) {
        markUnreachable(summary);
      }
      throw translated;
    }
  }

  /**
   * Whether a host that leaves work in its queue is judged by its own reports (busy while it
   * reports) rather than by the queue (unreachable). A placed VM's host workflow tells it when the
   * host stops reporting; one recorded before the gate keeps its old rule.
   */
  boolean judgesHostByItsReports() {
    // The gate is asked only of placed VMs: for the others it could change nothing.
    return vm.record().placement() != null && !vm.record().placement().isEmpty() && LegacyPaths.waitsForBusyHosts();
  }

  /** What is left of the running operation's deadline for a busy host (never negative). */
  Duration timeLeft() {
    Duration left = Duration.between(now(), deadline.at());
    return left.isNegative() ? Duration.ZERO : left;
  }

  /** A spawn's options: bounded by the operation's deadline where the host is judged by its reports (see {@link HostActivityOptions#spawnBefore}). */
  ActivityOptions spawnOptions(String hostId, Duration scheduleToStart, String summary) {
    return judgesHostByItsReports() ? HostActivityOptions.spawnBefore(hostId, scheduleToStart, summary, timeLeft())
        : HostActivityOptions.spawn(hostId, scheduleToStart, summary);
  }

  /** A quick QMP activity (cont, stop, reset, powerdown, query-status). */
  VmStatus quick(String summary, Function<HostActivities, VmStatus> body) {
    return call(summary, HostActivityOptions::quick, body);
  }

  /** A stub for waits that run beside the workflow (the monitor, the exit and readiness waits). */
  HostActivities stub(BiFunction<String, Duration, ActivityOptions> options) {
    return Workflow.newActivityStub(HostActivities.class, options.apply(hostId(), input.hostTaskTimeout()));
  }

  ApplicationFailure translate(ActivityFailure failure) {
    return VmFailures.fromActivity(failure, hostId());
  }

  /**
   * The host's worker did not pick up {@code work} in time, in a VM that judges its host by the
   * queue. Nothing was done on the host, so the state stays as last seen, marked unreachable until
   * the host answers again (any host event or activity result clears it).
   */
  void markUnreachable(String work) {
    if (vm.record().hostUnreachableSince() == null) {
      log.warn("VM {}: host {} unreachable (its worker did not pick up: {}); last seen {}", vm.name(), hostId(), work, vm.state());
    }
    vm.change(record -> record.withHostUnreachable("host " + hostId() + " unreachable: its worker did not pick up \"" + work
        + "\" within " + input.hostTaskTimeout().toSeconds() + " s", now()));
  }
}
