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
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * How a VM's workflow asks its host for something: an activity stub on the queue of the host its
 * record names (the one placement chose), a failure turned into one of {@link VmFailures}' types,
 * and a host whose worker did not pick up the work marked unreachable.
 */
final class HostCalls {
  private static final Logger log = Workflow.getLogger(HostCalls.class);

  /** The options of one kind of host activity (see {@link HostActivityOptions}). */
  interface Options {
    ActivityOptions options(String hostId, Duration scheduleToStart, String summary);
  }

  private final VmWorkflowInput input;
  private final KnownVm vm;

  HostCalls(VmWorkflowInput input, KnownVm vm) {
    this.input = input;
    this.vm = vm;
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
   * host, or another: a migration's target) and waits for it; fails with a VM failure type. Only
   * the VM's own host is marked unreachable when its worker did not pick the work up.
   */
  <A, T> T callOn(String hostId, Class<A> activities, String summary, Options options, Function<A, T> body) {
    A stub = Workflow.newActivityStub(activities, options.options(hostId, input.hostTaskTimeout(), summary));
    try {
      return body.apply(stub);
    } catch (ActivityFailure failure) {
      ApplicationFailure translated = VmFailures.fromActivity(failure, hostId);
      if (FailureReasons.HOST_UNAVAILABLE.equals(translated.getType()) && hostId.equals(hostId())) {
        markUnreachable(summary);
      }
      throw translated;
    }
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
   * The host's worker did not pick up {@code work} in time. Nothing was done on the host, so the
   * state stays as last seen, marked unreachable until the host answers again (any host event or
   * activity result clears it).
   */
  void markUnreachable(String work) {
    if (vm.record().hostUnreachableSince() == null) {
      log.warn("VM {}: host {} unreachable (its worker did not pick up: {}); last seen {}", vm.name(), hostId(), work, vm.state());
    }
    vm.change(record -> record.withHostUnreachable("host " + hostId() + " unreachable: its worker did not pick up \"" + work
        + "\" within " + input.hostTaskTimeout().toSeconds() + " s", now()));
  }
}
