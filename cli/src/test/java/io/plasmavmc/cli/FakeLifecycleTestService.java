package io.plasmavmc.cli;

import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.PhaseStats;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;

/** Lifecycle test runs that start RUNNING and end as their id says: "passing" PASSED, "failing" FAILED, "cancelled" CANCELLED. */
final class FakeLifecycleTestService extends LifecycleTestServiceGrpc.LifecycleTestServiceImplBase {
  volatile RunLifecycleTestRequest started;

  @Override
  public void runLifecycleTest(RunLifecycleTestRequest request, StreamObserver<LifecycleTestRun> answer) {
    started = request;
    FakeVmService.reply(answer, run(request.getRunId(), LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING));
  }

  @Override
  public void getLifecycleTestRun(GetLifecycleTestRunRequest request, StreamObserver<LifecycleTestRun> answer) {
    LifecycleTestRunState end = switch (request.getRunId()) {
      case "failing" -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED;
      case "cancelled" -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_CANCELLED;
      default -> LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED;
    };
    FakeVmService.reply(answer, run(request.getRunId(), end));
  }

  private static LifecycleTestRun run(String id, LifecycleTestRunState state) {
    boolean passed = state == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED;
    return LifecycleTestRun.newBuilder().setRunId(id).setState(state).setIterations(1).setPassed(passed ? 1 : 0)
        .setFailed(passed ? 0 : 1).setInProgress(state == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING ? 1 : 0)
        .addPhases(PhaseStats.newBuilder().setPhase("ready").setCount(1).setP50Millis(2500).setP95Millis(2500).setMaxMillis(2500))
        .build();
  }
}
