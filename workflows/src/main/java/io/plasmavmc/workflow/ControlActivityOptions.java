package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.TaskQueues;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Options of the activities on the control queue that drive other workflows through the Temporal
 * client (a workflow cannot send another an update): any worker runs them, a dead one is noticed
 * by the heartbeat, and a retry joins the update its first attempt sent.
 */
final class ControlActivityOptions {
  private static final Duration HEARTBEAT = Duration.ofSeconds(10);

  private ControlActivityOptions() {}

  private static RetryOptions.Builder retries() {
    return RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(500)).setMaximumInterval(Duration.ofSeconds(10));
  }

  /** A VM's operation (lifecycle test runs, a host's drain): as long as the operation may take. */
  static ActivityOptions vmOperations(String summary, Duration startToClose) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(TaskQueues.CONTROL)
        .setStartToCloseTimeout(startToClose)
        .setHeartbeatTimeout(HEARTBEAT)
        .setCancellationType(ActivityCancellationType.TRY_CANCEL)
        .setRetryOptions(retries().build())
        .setSummary(summary)
        .build();
  }

  /**
   * Placement and the release of a VM's room: a few queries and one update each, retried for a
   * few minutes (Temporal unreachable from the worker); a host's refusal is final.
   */
  static ActivityOptions fleet(String summary) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(TaskQueues.CONTROL)
        .setStartToCloseTimeout(Duration.ofMinutes(1))
        .setScheduleToCloseTimeout(Duration.ofMinutes(5))
        .setHeartbeatTimeout(HEARTBEAT)
        .setRetryOptions(retries().setDoNotRetry(FailureReasons.NO_HOST_FITS, FailureReasons.HOST_FULL, FailureReasons.HOST_CORDONED,
            FailureReasons.HOST_NOT_FOUND, FailureReasons.HOST_UNAVAILABLE, FailureReasons.INVALID_SPEC,
            FailureReasons.MIGRATION_UNSUPPORTED).build())
        .setSummary(summary)
        .build();
  }
}
