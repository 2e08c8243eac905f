package io.plasmavmc.cli;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.AttemptOutcome;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.GetLifecycleTestAttemptConsoleRequest;
import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.LifecycleTestAttempt;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunEvent;
import io.plasmavmc.api.v1.LifecycleTestRunEventKind;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.PhaseStats;
import io.plasmavmc.api.v1.PhaseTiming;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.WatchLifecycleTestRunRequest;
import java.nio.charset.StandardCharsets;

/**
 * Lifecycle test runs that start RUNNING and end as their id says: "passing" PASSED, "failing" FAILED, "cancelled" CANCELLED. Watched,
 * a run streams itself as it starts, its one attempt starting, getting ready and ending, then itself as it ended; the stream of
 * "broken" breaks after its first event, and "joined" is watched while its attempt runs. The host kept the console of
 * "failing-1-1" alone.
 */
final class FakeLifecycleTestService extends LifecycleTestServiceGrpc.LifecycleTestServiceImplBase {
  static final String KEPT_CONSOLE = "PLASMAVMC-GUEST-READY variant=graceful\nthe guest's last words\n";

  volatile RunLifecycleTestRequest started;

  @Override
  public void runLifecycleTest(RunLifecycleTestRequest request, StreamObserver<LifecycleTestRun> answer) {
    started = request;
    FakeVmService.reply(answer, run(request.getRunId(), LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING));
  }

  @Override
  public void getLifecycleTestRun(GetLifecycleTestRunRequest request, StreamObserver<LifecycleTestRun> answer) {
    FakeVmService.reply(answer, run(request.getRunId(), end(request.getRunId())));
  }

  @Override
  public void watchLifecycleTestRun(WatchLifecycleTestRunRequest request, StreamObserver<LifecycleTestRunEvent> answer) {
    String id = request.getRunId();
    LifecycleTestRun counts = run(id, LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING).toBuilder().clearAttempts().setInProgress(0)
        .build();
    if (id.equals("joined")) {
      // Watched while its attempt waits for its guest: the run as it is holds the attempt.
      answer.onNext(event(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN, counts.toBuilder().setInProgress(1)
          .addAttempts(attempt(id, "ready", AttemptOutcome.ATTEMPT_OUTCOME_RUNNING)).build(), null));
    } else {
      // Watched as it starts: no attempt yet.
      answer.onNext(event(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN, counts, null));
      if (id.equals("broken")) {
        answer.onError(Status.UNAVAILABLE.withDescription("the gateway is going away").asRuntimeException());
        return;
      }
      answer.onNext(event(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_STARTED, counts, attempt(id, "create",
          AttemptOutcome.ATTEMPT_OUTCOME_RUNNING)));
      answer.onNext(event(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_PHASE, counts, attempt(id, "ready",
          AttemptOutcome.ATTEMPT_OUTCOME_RUNNING)));
    }
    LifecycleTestRun ended = run(id, end(id));
    answer.onNext(event(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_ENDED, ended.toBuilder().clearAttempts().build(),
        ended.getAttempts(0)));
    answer.onNext(event(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN_ENDED, ended, null));
    answer.onCompleted();
  }

  @Override
  public void getLifecycleTestAttemptConsole(GetLifecycleTestAttemptConsoleRequest request, StreamObserver<ConsoleLog> answer) {
    if (!request.getVmName().equals("failing-1-1")) {
      answer.onError(FakeVmService.failure(Status.Code.NOT_FOUND, "the host of lifecycle test run " + request.getRunId()
          + " kept no console of VM " + request.getVmName(), "CONSOLE_NOT_KEPT", null));
      return;
    }
    byte[] kept = KEPT_CONSOLE.getBytes(StandardCharsets.UTF_8);
    int length = request.getMaxBytes() == 0 ? kept.length : Math.min(kept.length, request.getMaxBytes());
    FakeVmService.reply(answer, ConsoleLog.newBuilder().setData(ByteString.copyFrom(kept, kept.length - length, length))
        .setTruncated(length < kept.length).setTotalBytes(kept.length).build());
  }

  private static LifecycleTestRunEvent event(LifecycleTestRunEventKind kind, LifecycleTestRun run, LifecycleTestAttempt attempt) {
    LifecycleTestRunEvent.Builder event = LifecycleTestRunEvent.newBuilder().setKind(kind).setRun(run);
    return attempt == null ? event.build() : event.setAttempt(attempt).build();
  }

  private static LifecycleTestRunState end(String id) {
    return switch (id) {
      case "failing" -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED;
      case "cancelled" -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_CANCELLED;
      default -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED;
    };
  }

  private static LifecycleTestAttempt attempt(String id, String phase, AttemptOutcome outcome) {
    return LifecycleTestAttempt.newBuilder().setIteration(1).setAttempt(1).setVmName(id + "-1-1").setOutcome(outcome).setPhase(phase)
        .addTimings(PhaseTiming.newBuilder().setPhase("create").setMillis(300)).build();
  }

  private static LifecycleTestRun run(String id, LifecycleTestRunState state) {
    boolean passed = state == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED;
    boolean running = state == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING;
    LifecycleTestAttempt attempt = running ? attempt(id, "create", AttemptOutcome.ATTEMPT_OUTCOME_RUNNING)
        : attempt(id, passed ? "" : "checks", passed ? AttemptOutcome.ATTEMPT_OUTCOME_PASSED : AttemptOutcome.ATTEMPT_OUTCOME_GUEST_FAILURE)
            .toBuilder().setReason(passed ? "" : "`/bin/false` exited 1, expected 0").setConsoleKept(id.equals("failing"))
            .addTimings(PhaseTiming.newBuilder().setPhase("ready").setMillis(2500)).build();
    return LifecycleTestRun.newBuilder().setRunId(id).setState(state).setIterations(1).setPassed(passed ? 1 : 0)
        .setFailed(passed || running ? 0 : 1).setInProgress(running ? 1 : 0).setHostId("h1").addAttempts(attempt)
        .addPhases(PhaseStats.newBuilder().setPhase("ready").setCount(1).setP50Millis(2500).setP95Millis(2500).setMaxMillis(2500))
        .build();
  }
}
