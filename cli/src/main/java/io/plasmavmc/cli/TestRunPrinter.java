package io.plasmavmc.cli;

import io.plasmavmc.api.v1.AttemptOutcome;
import io.plasmavmc.api.v1.LifecycleTestAttempt;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunEvent;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.ListLifecycleTestRunsResponse;
import io.plasmavmc.api.v1.PhaseStats;
import io.plasmavmc.api.v1.PhaseTiming;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** How vmctl shows lifecycle test runs: their events and progress, a report with per-phase timings and failures, a list. */
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

  /**
   * A watched run's event on stderr: the run as it is (its progress, and each attempt it has: started,
   * and in which phase or how it ended), an attempt that started, entered a phase or ended (how, and
   * the progress after it).
   */
  void event(LifecycleTestRunEvent event) {
    if (json) {
      return;
    }
    LifecycleTestAttempt attempt = event.getAttempt();
    switch (event.getKind()) {
      case LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_STARTED -> started(attempt);
      case LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_PHASE -> phase(attempt);
      case LIFECYCLE_TEST_RUN_EVENT_KIND_ATTEMPT_ENDED -> {
        ended(attempt);
        progress(event.getRun());
      }
      default -> {
        progress(event.getRun());
        event.getRun().getAttemptsList().forEach(this::asItIs);
      }
    }
    err.flush();
  }

  /** An attempt the run had as the stream began: started, and in which phase (past its first) or how it ended. */
  private void asItIs(LifecycleTestAttempt attempt) {
    started(attempt);
    if (attempt.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_RUNNING) {
      ended(attempt);
    } else if (!attempt.getPhase().equals("create")) {
      phase(attempt);
    }
  }

  private void started(LifecycleTestAttempt attempt) {
    err.printf("  %s: started (iteration %d, attempt %d)%n", attempt.getVmName(), attempt.getIteration(), attempt.getAttempt());
  }

  private void phase(LifecycleTestAttempt attempt) {
    err.printf("  %s: %s%n", attempt.getVmName(), attempt.getPhase());
  }

  private void ended(LifecycleTestAttempt attempt) {
    err.printf("  %s: %s after %s%s%n", attempt.getVmName(), outcome(attempt), seconds(attempt),
        attempt.getReason().isEmpty() ? "" : " in " + attempt.getPhase() + ": " + attempt.getReason());
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
    run.getAttemptsList().stream().filter(TestRunPrinter::failed).forEach(attempt -> failure(run.getRunId(), attempt));
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

  /** A failed attempt: where it failed, why, the end of its console, and how to read all its host kept of it. */
  private void failure(String runId, LifecycleTestAttempt attempt) {
    out.printf("%s (iteration %d, attempt %d): %s in %s: %s%n", attempt.getVmName(), attempt.getIteration(), attempt.getAttempt(),
        outcome(attempt), attempt.getPhase(), attempt.getReason());
    if (!attempt.getConsoleExcerpt().isBlank()) {
      List<String> lines = Arrays.asList(attempt.getConsoleExcerpt().strip().split("\r?\n"));
      out.println("  console (last lines):");
      lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(line -> out.println("  | " + line));
    }
    if (attempt.getConsoleKept()) {
      out.println("  whole console: " + consoleCommand(runId, attempt));
    }
  }

  /** The command that prints what the attempt's host kept of its console. */
  static String consoleCommand(String runId, LifecycleTestAttempt attempt) {
    return "vmctl test-console " + runId + " " + attempt.getVmName();
  }

  private static String outcome(LifecycleTestAttempt attempt) {
    return VmPrinter.words(attempt.getOutcome().name().replace("ATTEMPT_OUTCOME_", ""));
  }

  /** The attempt's time so far: the sum of its phases. */
  private static String seconds(LifecycleTestAttempt attempt) {
    return String.format(Locale.ROOT, "%.1f s", attempt.getTimingsList().stream().mapToLong(PhaseTiming::getMillis).sum() / 1000.0);
  }

  private static String label(LifecycleTestRunState state) {
    return state.name().replace("LIFECYCLE_TEST_RUN_STATE_", "");
  }
}
