package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Waits for a lifecycle test run through the API, for the end-to-end, chaos and benchmark runs, by
 * polling GetLifecycleTestRun: a wait that must hold while the gateway or the worker is killed
 * (the chaos suite) outlives any one stream. WatchLifecycleTestRun, the run's stream, is what vmctl
 * follows.
 */
public final class LifecycleTestRunWaits {
  private static final Duration POLL = Duration.ofMillis(100);

  private LifecycleTestRunWaits() {
  }

  public static LifecycleTestRun get(LifecycleTestServiceBlockingStub tests, String runId) {
    return tests.withDeadlineAfter(30, TimeUnit.SECONDS).getLifecycleTestRun(GetLifecycleTestRunRequest.newBuilder().setRunId(runId).build());
  }

  /** Polls the run until {@code condition} holds (asserted once {@code timeout} has passed); returns it then. */
  public static LifecycleTestRun awaitRun(LifecycleTestServiceBlockingStub tests, String runId, Predicate<LifecycleTestRun> condition,
      Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    LifecycleTestRun run = get(tests, runId);
    while (!condition.test(run) && System.nanoTime() < deadline) {
      Thread.sleep(POLL.toMillis());
      run = get(tests, runId);
    }
    assertTrue(condition.test(run), run.toString());
    return run;
  }

  /** The run once it has ended, whatever its outcome. */
  public static LifecycleTestRun awaitEnd(LifecycleTestServiceBlockingStub tests, String runId, Duration timeout)
      throws InterruptedException {
    return awaitRun(tests, runId, run -> run.getState() != LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING, timeout);
  }
}
