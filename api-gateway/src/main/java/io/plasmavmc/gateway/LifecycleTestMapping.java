package io.plasmavmc.gateway;

import com.google.protobuf.Timestamp;
import io.plasmavmc.api.v1.AttemptOutcome;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunEvent;
import io.plasmavmc.api.v1.LifecycleTestRunEventKind;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.PhaseStats;
import io.plasmavmc.api.v1.PhaseTiming;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import io.plasmavmc.contract.testrun.LifecycleTestWatch;
import java.time.Instant;

/** A run's report, and its events, as the API shows them. */
final class LifecycleTestMapping {
  private LifecycleTestMapping() {}

  static LifecycleTestRun toProto(LifecycleTestReport report, boolean withAttempts) {
    LifecycleTestRun.Builder run = LifecycleTestRun.newBuilder()
        .setRunId(report.runId())
        .setHostId(report.hostId())
        .setState(switch (report.state()) {
          case RUNNING -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING;
          case PASSED -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED;
          case FAILED -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED;
          case CANCELLED -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_CANCELLED;
        })
        .setIterations(report.iterations())
        .setPassed(report.passed())
        .setFailed(report.failed())
        .setInProgress(report.inProgress())
        .setInfraRetries(report.infraRetries())
        .setReason(report.reason());
    if (report.startedAt() != null) {
      run.setStartedAt(timestamp(report.startedAt()));
    }
    if (report.endedAt() != null) {
      run.setEndedAt(timestamp(report.endedAt()));
    }
    for (LifecycleTestReport.PhaseStats stats : report.phases()) {
      run.addPhases(PhaseStats.newBuilder().setPhase(stats.phase()).setCount(stats.count())
          .setP50Millis(stats.p50Millis()).setP95Millis(stats.p95Millis()).setMaxMillis(stats.maxMillis()));
    }
    if (withAttempts) {
      report.attempts().forEach(attempt -> run.addAttempts(attempt(attempt)));
    }
    return run.build();
  }

  /** The whole run: the first event of a watch (the run as it is), or its last ({@code ended}: the run as it ended). */
  static LifecycleTestRunEvent runEvent(LifecycleTestReport report, boolean ended) {
    return LifecycleTestRunEvent.newBuilder()
        .setKind(ended ? LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN_ENDED : LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN)
        .setRun(toProto(report, true))
        .build();
  }

  /** An attempt's event, with the run's counts ({@code run}, attempts left out) as the event was read. */
  static LifecycleTestRunEvent attemptEvent(LifecycleTestWatch.AttemptEvent event, LifecycleTestRun run) {
    return LifecycleTestRunEvent.newBuilder()
        .setKind(switch (event.kind()) {
          case STARTED -> LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_STARTED;
          case PHASE -> LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_PHASE;
          case ENDED -> LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_ENDED;
        })
        .setRun(run)
        .setAttempt(attempt(event.attempt()))
        .build();
  }

  private static io.plasmavmc.api.v1.LifecycleTestAttempt attempt(LifecycleTestAttempt attempt) {
    io.plasmavmc.api.v1.LifecycleTestAttempt.Builder proto = io.plasmavmc.api.v1.LifecycleTestAttempt.newBuilder()
        .setIteration(attempt.iteration())
        .setAttempt(attempt.attempt())
        .setVmName(attempt.vmName())
        .setOutcome(switch (attempt.outcome()) {
          case RUNNING -> AttemptOutcome.ATTEMPT_OUTCOME_RUNNING;
          case PASSED -> AttemptOutcome.ATTEMPT_OUTCOME_PASSED;
          case GUEST_FAILURE -> AttemptOutcome.ATTEMPT_OUTCOME_GUEST_FAILURE;
          case INFRASTRUCTURE_FAILURE -> AttemptOutcome.ATTEMPT_OUTCOME_INFRASTRUCTURE_FAILURE;
          case CANCELLED -> AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED;
        })
        .setPhase(attempt.phase())
        .setReason(attempt.reason())
        .setConsoleExcerpt(attempt.consoleExcerpt())
        .setConsoleKept(attempt.consoleKept())
        .setHostId(attempt.hostId());
    attempt.timings().forEach(t -> proto.addTimings(PhaseTiming.newBuilder().setPhase(t.phase()).setMillis(t.millis())));
    return proto.build();
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
