package io.plasmavmc.workflow;

import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.TimerOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * A durable timer that races something else (the guest powering off, a readiness probe
 * matching): the deadline lives in Temporal, so it holds across any worker crash. Once the race
 * is decided the timer is cancelled, so the VM's history and the Temporal UI show no timeout
 * still running for a race that is over.
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

  /** The race is decided: the timer goes if it still runs (it ran on to fire before {@link LegacyPaths#CANCEL_DECIDED_TIMERS}). */
  void raceDecided() {
    if (!fired.isCompleted() && LegacyPaths.cancelsDecidedTimers()) {
      scope.cancel();
    }
  }

  /** Cancels the timer in every version: where the workflow always did (a readiness wait its deadline or the boot's end decided). */
  void cancel() {
    scope.cancel();
  }
}
