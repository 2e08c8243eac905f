package io.plasmavmc.cli;

import io.plasmavmc.api.v1.LifecycleTestAttempt;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.ListLifecycleTestRunsResponse;
import io.plasmavmc.api.v1.PhaseStats;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** How vmctl shows lifecycle test runs: progress, a report with per-phase timings and failures, a list. */
final class TestRunPrinter {
  private final PrintStream out;
  private final PrintStream err;
  private final boolean json;
  private String shownProgress = "";

  TestRunPrinter(PrintStream out, PrintStream err, boolean json) {
    this.out = out;
    this.err = err;
    this.json = json;
  }

  void started(LifecycleTestRun run) {
    if (json) {
      out.println(Json.of(run));
    } else {
      out.printf("lifecycle test %s: %s (follow it: vmctl test-report %s, or in the Temporal UI: workflow lifecycle-test-%s)%n",
          run.getRunId(), label(run.getState()), run.getRunId(), run.getRunId());
    }
  }

  /** A progress line on stderr, when it differs from the last one. */
  void progress(LifecycleTestRun run) {
    String progress = String.format("  %d/%d passed, %d failed, %d running, %d infrastructure retries",
        run.getPassed(), run.getIterations(), run.getFailed(), run.getInProgress(), run.getInfraRetries());
    if (!progress.equals(shownProgress) && !json) {
      err.println(progress);
      shownProgress = progress;
    }
  }

  void report(LifecycleTestRun run) {
    if (json) {
      out.println(Json.of(run));
      return;
    }
    String took = run.hasStartedAt() && run.hasEndedAt()
        ? String.format(" in %.1f s", (run.getEndedAt().getSeconds() - run.getStartedAt().getSeconds())
            + (run.getEndedAt().getNanos() - run.getStartedAt().getNanos()) / 1e9) : "";
    out.printf("lifecycle test %s: %s%s (%s)%n", run.getRunId(), label(run.getState()), took, run.getReason());
    out.printf("iterations: %d passed, %d failed of %d; %d infrastructure retries%n", run.getPassed(), run.getFailed(),
        run.getIterations(), run.getInfraRetries());
    if (run.getPhasesCount() > 0) {
      String format = "%-20s %6s %8s %8s %8s%n";
      out.printf(format, "PHASE", "COUNT", "P50 ms", "P95 ms", "MAX ms");
      for (PhaseStats phase : run.getPhasesList()) {
        out.printf(format, phase.getPhase(), phase.getCount(), phase.getP50Millis(), phase.getP95Millis(), phase.getMaxMillis());
      }
    }
    run.getAttemptsList().stream().filter(TestRunPrinter::failed).forEach(this::failure);
  }

  void list(ListLifecycleTestRunsResponse page) {
    if (json) {
      out.println(Json.of(page));
      return;
    }
    String format = "%-28s %-10s %-10s %-8s %-8s %s%n";
    out.printf(format, "RUN", "STATE", "PASSED", "FAILED", "RETRIES", "STARTED");
    for (LifecycleTestRun run : page.getRunsList()) {
      out.printf(format, run.getRunId(), label(run.getState()), run.getPassed() + "/" + run.getIterations(), run.getFailed(),
          run.getInfraRetries(), run.hasStartedAt() ? Instant.ofEpochSecond(run.getStartedAt().getSeconds()) : "-");
    }
  }

  private static boolean failed(LifecycleTestAttempt attempt) {
    return switch (attempt.getOutcome()) {
      case ATTEMPT_OUTCOME_GUEST_FAILURE, ATTEMPT_OUTCOME_INFRASTRUCTURE_FAILURE -> true;
      default -> false;
    };
  }

  /** A failed attempt: where it failed, why, and the end of its console. */
  private void failure(LifecycleTestAttempt attempt) {
    out.printf("%s (iteration %d, attempt %d): %s in %s: %s%n", attempt.getVmName(), attempt.getIteration(), attempt.getAttempt(),
        VmPrinter.words(attempt.getOutcome().name().replace("ATTEMPT_OUTCOME_", "")), attempt.getPhase(), attempt.getReason());
    if (!attempt.getConsoleExcerpt().isBlank()) {
      List<String> lines = Arrays.asList(attempt.getConsoleExcerpt().strip().split("\r?\n"));
      out.println("  console (last lines):");
      lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(line -> out.println("  | " + line));
    }
  }

  private static String label(LifecycleTestRunState state) {
    return state.name().replace("LIFECYCLE_TEST_RUN_STATE_", "");
  }
}
