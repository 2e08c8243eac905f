package io.plasmavmc.cli;

import io.plasmavmc.api.v1.CancelLifecycleTestRunRequest;
import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.GuestCommand;
import io.plasmavmc.api.v1.LifecycleChecks;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub;
import io.plasmavmc.api.v1.ListLifecycleTestRunsRequest;
import io.plasmavmc.api.v1.ListLifecycleTestRunsResponse;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.VmSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** vmctl's lifecycle test commands: test (start a run, --watch follows it), test-report, test-list, test-cancel. */
final class LifecycleTestCommands {
  private LifecycleTestCommands() {}

  static void addTo(Commands commands) {
    commands.add("test", Test::new);
    commands.add("test-report", Report::new);
    commands.add("test-list", ListRuns::new);
    commands.add("test-cancel", Cancel::new);
  }

  /** A command about one run, named by its first word. */
  abstract static class RunCommand extends GatewayCommand {
    @Parameters(paramLabel = "RUN", description = "the run's id")
    String run;

    TestRunPrinter printer() {
      return new TestRunPrinter(out(), err(), json());
    }
  }

  @Command(header = "Starts a lifecycle test run: N times create a VM, start it, check it, stop it, delete it.",
      description = {"Starts a lifecycle test run (or finds the one of that id): N times create a VM, start it, wait for the",
          "guest, check it, stop it gracefully, delete it. Exit code 1 if a watched run did not pass."})
  static final class Test extends RunCommand {
    private static final Duration POLL = Duration.ofMillis(500);

    @Mixin
    SpecOptions spec;

    @Option(names = "--iterations", paramLabel = "N", description = "how many VMs to test (default: 1)")
    int iterations = 1;

    @Option(names = "--concurrency", paramLabel = "N", description = "how many at a time (default: 1)")
    int concurrency = 1;

    @Option(names = "--reboot", description = "reboot each after its checks and wait for readiness again")
    boolean reboot;

    @Option(names = "--expect", paramLabel = "REGEX", description = "a console line each guest must show (repeatable)")
    List<String> expectations = new ArrayList<>();

    @Option(names = "--exec", paramLabel = "\"PATH ARG...[=EXIT_CODE]\"", converter = GuestCommandOption.class,
        description = "a command run in each guest by its agent, split at spaces; =N for an exit code other than 0 (repeatable)")
    List<GuestCommand> commands = new ArrayList<>();

    @Option(names = "--stop-timeout", paramLabel = "SECONDS", description = "how long a guest has to power off (default: 30)")
    int stopTimeout;

    @Option(names = "--retries", paramLabel = "N", description = "new VMs an iteration may take after infrastructure failures (default: 2)")
    int retries;

    @Option(names = "--no-retries", description = "no new VM after an infrastructure failure")
    boolean noRetries;

    @Option(names = "--host", paramLabel = "ID", description = "the host to test on (default: the gateway's)")
    String host = "";

    @Option(names = "--watch", description = "follow the run to its end and print its report")
    boolean watch;

    @Override
    ExitCode run(Gateway gateway) throws InterruptedException {
      LifecycleTestServiceBlockingStub tests = gateway.tests();
      LifecycleTestRun started = tests.runLifecycleTest(request().build());
      if (!watch) {
        printer().started(started);
        return ExitCode.OK;
      }
      LifecycleTestRun run = started;
      TestRunPrinter printer = printer();
      while (run.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING) {
        printer.progress(run);
        Thread.sleep(POLL.toMillis()); // the API has no stream of a run's progress: poll it
        run = tests.getLifecycleTestRun(GetLifecycleTestRunRequest.newBuilder().setRunId(run.getRunId()).build());
      }
      printer.report(run);
      return run.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED ? ExitCode.OK : ExitCode.FAILED;
    }

    private RunLifecycleTestRequest.Builder request() {
      VmSpec.Builder vm = spec.spec();
      if (!vm.hasReadiness() && spec.testGuest != null) {
        // The project's test guests say when they are up: a console marker, or their agent.
        vm.setReadiness(spec.testGuest.equals("agent") ? ReadinessProbe.newBuilder().setGuestAgent(true)
            : ReadinessProbe.newBuilder().setSerialPattern("PLASMAVMC-GUEST-READY"));
      }
      return RunLifecycleTestRequest.newBuilder()
          .setRunId(run)
          .setSpec(vm)
          .setIterations(iterations)
          .setConcurrency(concurrency)
          .setReboot(reboot)
          .setStopTimeoutSeconds(stopTimeout)
          .setInfraRetries(retries)
          .setNoInfraRetries(noRetries)
          .setHostId(host)
          .setChecks(LifecycleChecks.newBuilder().addAllSerialExpectations(expectations).addAllCommands(commands));
    }
  }

  @Command(description = "Shows a run's progress while it runs, its report once it ended. Exit code 1 if it failed or was cancelled.")
  static final class Report extends RunCommand {
    @Override
    ExitCode run(Gateway gateway) {
      LifecycleTestRun found = gateway.tests().getLifecycleTestRun(GetLifecycleTestRunRequest.newBuilder().setRunId(run).build());
      printer().report(found);
      return found.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED
          || found.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_CANCELLED ? ExitCode.FAILED : ExitCode.OK;
    }
  }

  @Command(description = "Cancels a run: its VMs are deleted, the run ends CANCELLED.")
  static final class Cancel extends RunCommand {
    @Override
    ExitCode run(Gateway gateway) {
      err().println("cancelling lifecycle test " + run + " (its VMs are deleted first)...");
      printer().report(gateway.tests().cancelLifecycleTestRun(CancelLifecycleTestRunRequest.newBuilder().setRunId(run).build()));
      return ExitCode.OK;
    }
  }

  @Command(description = "Lists the lifecycle test runs, newest first.")
  static final class ListRuns extends GatewayCommand {
    @Option(names = "--page-size", paramLabel = "N", description = "how many (default: 20)")
    int pageSize = 20;

    @Override
    ExitCode run(Gateway gateway) {
      ListLifecycleTestRunsResponse page =
          gateway.tests().listLifecycleTestRuns(ListLifecycleTestRunsRequest.newBuilder().setPageSize(pageSize).build());
      new TestRunPrinter(out(), err(), json()).list(page);
      return ExitCode.OK;
    }
  }
}
