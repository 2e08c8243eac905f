package io.plasmavmc.gateway;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.testrun.AttemptConsoleReadWorkflow;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt.Outcome;
import io.plasmavmc.contract.testrun.LifecycleTestPlan;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import io.plasmavmc.contract.testrun.LifecycleTestWatch;
import io.plasmavmc.contract.testrun.LifecycleTestWatch.AttemptEvent;
import io.plasmavmc.contract.testrun.LifecycleTestWatch.Kind;
import io.plasmavmc.contract.testrun.LifecycleTestWorkflow;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Lifecycle test runs as the gateway sees them through Temporal: a fake run whose attempts the test
 * moves on a step at a time (an activity takes each step from a queue; the run numbers the events
 * as the real one does), and a fake host's read of the consoles it kept.
 */
public final class FakeTestRuns {
  /** The steps each run is yet to take, by run id. */
  static final Map<String, BlockingQueue<Step>> STEPS = new ConcurrentHashMap<>();
  /** The consoles the fake host keeps, by VM name. */
  static final Map<String, byte[]> KEPT = new ConcurrentHashMap<>();

  private FakeTestRuns() {}

  /** An attempt as it is after the step, or the run's end ({@code end} not null). */
  public record Step(LifecycleTestAttempt attempt, LifecycleTestReport.State end) {}

  static void reset() {
    STEPS.clear();
    KEPT.clear();
  }

  static void step(String runId, LifecycleTestAttempt attempt) {
    STEPS.computeIfAbsent(runId, r -> new LinkedBlockingQueue<>()).add(new Step(attempt, null));
  }

  static void end(String runId, LifecycleTestReport.State state) {
    STEPS.computeIfAbsent(runId, r -> new LinkedBlockingQueue<>()).add(new Step(null, state));
  }

  static LifecycleTestAttempt attempt(String vmName, Outcome outcome, String phase, boolean consoleKept) {
    return new LifecycleTestAttempt(1, 1, vmName, outcome, phase, outcome == Outcome.GUEST_FAILURE ? "not ready" : "", "", List.of(),
        consoleKept, "");
  }

  static LifecycleTestPlan plan(String runId, int iterations) {
    return new LifecycleTestPlan(runId, null, "h1", iterations, 1, List.of(), List.of(), false, 0, 0, null);
  }

  @ActivityInterface
  public interface Steps {
    @ActivityMethod
    Step next(String runId);
  }

  public static final class StepsFromTheTest implements Steps {
    @Override
    public Step next(String runId) {
      try {
        Step step = STEPS.computeIfAbsent(runId, r -> new LinkedBlockingQueue<>()).poll(50, TimeUnit.SECONDS);
        if (step == null) {
          throw new IllegalStateException("the test gave run " + runId + " no step");
        }
        return step;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  public static final class Run implements LifecycleTestWorkflow {
    private LifecycleTestPlan plan;
    private final List<LifecycleTestAttempt> attempts = new ArrayList<>();
    private final List<AttemptEvent> events = new ArrayList<>();
    private LifecycleTestReport.State state = LifecycleTestReport.State.RUNNING;

    @Override
    public LifecycleTestReport run(LifecycleTestPlan plan) {
      this.plan = plan;
      Steps steps = Workflow.newActivityStub(Steps.class, ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build());
      Step step = steps.next(plan.runId());
      while (step.end() == null) {
        int slot = slot(step.attempt().vmName());
        Kind kind = slot < 0 ? Kind.STARTED : step.attempt().outcome() == Outcome.RUNNING ? Kind.PHASE : Kind.ENDED;
        if (slot < 0) {
          attempts.add(step.attempt());
        } else {
          attempts.set(slot, step.attempt());
        }
        events.add(new AttemptEvent(events.size() + 1, kind, step.attempt()));
        step = steps.next(plan.runId());
      }
      state = step.end();
      return report();
    }

    private int slot(String vmName) {
      for (int i = 0; i < attempts.size(); i++) {
        if (attempts.get(i).vmName().equals(vmName)) {
          return i;
        }
      }
      return -1;
    }

    @Override
    public LifecycleTestReport report() {
      if (plan == null) {
        return LifecycleTestReport.pending("", null, "its first workflow task has not run"); // as the real run's report is then
      }
      long passed = attempts.stream().filter(a -> a.outcome() == Outcome.PASSED).count();
      long running = attempts.stream().filter(a -> a.outcome() == Outcome.RUNNING).count();
      return new LifecycleTestReport(plan.runId(), plan.hostId(), state, plan.iterations(), (int) passed,
          attempts.size() - (int) passed - (int) running, (int) running, 0, List.of(), attempts, Instant.EPOCH, null, "");
    }

    @Override
    public LifecycleTestWatch watch(long afterSeq, boolean withAttempts) {
      LifecycleTestReport now = report();
      return new LifecycleTestWatch(withAttempts ? now : now.withoutAttempts(), events.stream().filter(e -> e.seq() > afterSeq).toList(),
          events.size());
    }
  }

  /** The fake host's kept consoles: {@link #KEPT}, or CONSOLE_NOT_KEPT as the host says it. */
  public static final class Consoles implements AttemptConsoleReadWorkflow {
    @Override
    public ConsoleTail read(String hostId, String runId, String vmName, int maxBytes, Duration hostTaskTimeout) {
      byte[] kept = KEPT.get(vmName);
      if (kept == null) {
        throw ApplicationFailure.newNonRetryableFailure("this host keeps no console of " + vmName + " of lifecycle test run " + runId,
            FailureReasons.CONSOLE_NOT_KEPT);
      }
      int length = Math.min(kept.length, maxBytes);
      return new ConsoleTail(Arrays.copyOfRange(kept, kept.length - length, kept.length), kept.length);
    }
  }
}
