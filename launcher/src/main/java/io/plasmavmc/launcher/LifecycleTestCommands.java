package io.plasmavmc.launcher;

import io.plasmavmc.api.v1.CancelLifecycleTestRunRequest;
import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.GuestCommand;
import io.plasmavmc.api.v1.LifecycleChecks;
import io.plasmavmc.api.v1.LifecycleTestAttempt;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.ListLifecycleTestRunsRequest;
import io.plasmavmc.api.v1.PhaseStats;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.VmSpec;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** vmctl's lifecycle test commands: test (start, --watch), test-report, test-list, test-cancel. */
final class LifecycleTestCommands {
  private static final Duration POLL = Duration.ofMillis(500);

  private final LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub tests;
  private final PrintStream out;
  private final PrintStream err;
  private final boolean json;

  LifecycleTestCommands(LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub tests, PrintStream out, PrintStream err, boolean json) {
    this.tests = tests;
    this.out = out;
    this.err = err;
    this.json = json;
  }

  /** Starts the run (or finds the one of that id); with --watch follows it to its end. Exit code: 0 passed or started, 1 otherwise. */
  int test(String runId, Options options) throws InterruptedException {
    VmSpec.Builder spec = SpecOptions.spec(options);
    String testGuest = options.value("--test-guest", null);
    if (!spec.hasReadiness() && testGuest != null) {
      // The project's test guests say when they are up: a console marker, or their agent.
      spec.setReadiness(testGuest.equals("agent") ? ReadinessProbe.newBuilder().setGuestAgent(true)
          : ReadinessProbe.newBuilder().setSerialPattern("PLASMAVMC-GUEST-READY"));
    }
    LifecycleChecks.Builder checks = LifecycleChecks.newBuilder().addAllSerialExpectations(options.all("--expect"));
    options.all("--exec").forEach(command -> checks.addCommands(command(command)));
    RunLifecycleTestRequest.Builder request = RunLifecycleTestRequest.newBuilder()
        .setRunId(runId)
        .setSpec(spec)
        .setIterations(options.integer("--iterations", 1))
        .setConcurrency(options.integer("--concurrency", 1))
        .setReboot(options.flag("--reboot"))
        .setStopTimeoutSeconds(options.integer("--stop-timeout", 0))
        .setInfraRetries(options.integer("--retries", 0))
        .setNoInfraRetries(options.flag("--no-retries"))
        .setHostId(options.value("--host", ""))
        .setChecks(checks);
    boolean watch = options.flag("--watch");
    options.rejectUnknown();
    LifecycleTestRun run = tests.runLifecycleTest(request.build());
    if (!watch) {
      if (json) {
        out.println(Vmctl.toJson(run));
      } else {
        out.printf("lifecycle test %s: %s (follow it: vmctl test-report %s, or in the Temporal UI: workflow lifecycle-test-%s)%n",
            run.getRunId(), label(run.getState()), run.getRunId(), run.getRunId());
      }
      return 0;
    }
    return follow(run);
  }

  int report(String runId) {
    LifecycleTestRun run = tests.getLifecycleTestRun(GetLifecycleTestRunRequest.newBuilder().setRunId(runId).build());
    print(run);
    return run.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED
        || run.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_CANCELLED ? 1 : 0;
  }

  int cancel(String runId) {
    err.println("cancelling lifecycle test " + runId + " (its VMs are deleted first)...");
    print(tests.cancelLifecycleTestRun(CancelLifecycleTestRunRequest.newBuilder().setRunId(runId).build()));
    return 0;
  }

  int list(int pageSize) {
    var page = tests.listLifecycleTestRuns(ListLifecycleTestRunsRequest.newBuilder().setPageSize(pageSize).build());
    if (json) {
      out.println(Vmctl.toJson(page));
      return 0;
    }
    String format = "%-28s %-10s %-10s %-8s %-8s %s%n";
    out.printf(format, "RUN", "STATE", "PASSED", "FAILED", "RETRIES", "STARTED");
    for (LifecycleTestRun run : page.getRunsList()) {
      out.printf(format, run.getRunId(), label(run.getState()), run.getPassed() + "/" + run.getIterations(), run.getFailed(),
          run.getInfraRetries(), run.hasStartedAt() ? java.time.Instant.ofEpochSecond(run.getStartedAt().getSeconds()) : "-");
    }
    return 0;
  }

  /** Shows progress as it changes until the run ends, then the report. */
  private int follow(LifecycleTestRun run) throws InterruptedException {
    String shown = "";
    while (run.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING) {
      String progress = String.format("  %d/%d passed, %d failed, %d running, %d infrastructure retries",
          run.getPassed(), run.getIterations(), run.getFailed(), run.getInProgress(), run.getInfraRetries());
      if (!progress.equals(shown) && !json) {
        err.println(progress);
        shown = progress;
      }
      Thread.sleep(POLL.toMillis());
      run = tests.getLifecycleTestRun(GetLifecycleTestRunRequest.newBuilder().setRunId(run.getRunId()).build());
    }
    print(run);
    return run.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED ? 0 : 1;
  }

  private void print(LifecycleTestRun run) {
    if (json) {
      out.println(Vmctl.toJson(run));
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
    for (LifecycleTestAttempt attempt : run.getAttemptsList()) {
      switch (attempt.getOutcome()) {
        case ATTEMPT_OUTCOME_GUEST_FAILURE, ATTEMPT_OUTCOME_INFRASTRUCTURE_FAILURE -> {
          out.printf("%s (iteration %d, attempt %d): %s in %s: %s%n", attempt.getVmName(), attempt.getIteration(), attempt.getAttempt(),
              attempt.getOutcome().name().replace("ATTEMPT_OUTCOME_", "").toLowerCase().replace('_', ' '), attempt.getPhase(),
              attempt.getReason());
          if (!attempt.getConsoleExcerpt().isBlank()) {
            List<String> lines = Arrays.asList(attempt.getConsoleExcerpt().strip().split("\r?\n"));
            out.println("  console (last lines):");
            lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(line -> out.println("  | " + line));
          }
        }
        default -> { }
      }
    }
  }

  /** "PATH ARG..." (split at spaces), optionally "=CODE" at the end for the exit code expected (default 0). */
  static GuestCommand command(String text) {
    int eq = text.lastIndexOf('=');
    int expected = 0;
    String command = text;
    if (eq > 0 && text.substring(eq + 1).matches("-?\\d+")) {
      expected = Integer.parseInt(text.substring(eq + 1));
      command = text.substring(0, eq);
    }
    String[] words = command.trim().split("\\s+");
    if (words.length == 0 || words[0].isEmpty()) {
      throw new IllegalArgumentException("--exec \"PATH [ARG...][=EXIT_CODE]\", not " + text);
    }
    return GuestCommand.newBuilder().setPath(words[0]).addAllArgs(Arrays.asList(words).subList(1, words.length))
        .setExpectedExitCode(expected).build();
  }

  private static String label(LifecycleTestRunState state) {
    return state.name().replace("LIFECYCLE_TEST_RUN_STATE_", "");
  }
}
