package io.plasmavmc.workflow;

import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * A durable timer that races something else (the guest powering off, a readiness probe
 * matching): the deadline lives in Temporal, so it holds across any worker crash.
 */
final class DeadlineTimer {
  private final CancellationScope scope;
  private Promise<Void> fired;

  private DeadlineTimer(Duration timeout, String summary) {
    scope = Workflow.newCancellationScope(
        () -> fired = Workflow.newTimer(timeout, TimerOptions.newBuilder().setSummary(summary).build()));
    scope.run();
    fired.exceptionally(cancelled -> null); // a cancelled timer is expected, not a failure to report
  }

  static DeadlineTimer start(Duration timeout, String summary) {
    return new DeadlineTimer(timeout, summary);
  }

  /** The deadline passed before anything else decided the race. */
  boolean passed() {
    return fired.isCompleted() && fired.getFailure() == null;
  }

  /** Cancels the timer (if it still runs). */
  void cancel() {
    scope.cancel();
  }
}
