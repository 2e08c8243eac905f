package io.plasmavmc.cli;

import io.plasmavmc.api.v1.CancelLifecycleTestRunRequest;
import io.plasmavmc.api.v1.GetLifecycleTestAttemptConsoleRequest;
import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.LifecycleChecks;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub;
import io.plasmavmc.api.v1.ListLifecycleTestRunsRequest;
import io.plasmavmc.api.v1.ListLifecycleTestRunsResponse;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.VmSpec;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * vmctl's lifecycle test commands: test (start a run; --watch follows its stream), test-report,
 * test-console (an attempt's console as its host kept it), test-list, test-cancel.
 */
final class LifecycleTestCommands {
  private LifecycleTestCommands() {}

  static void addTo(Commands commands) {
    commands.add("test", Test::new);
    commands.add("test-report", Report::new);
    commands.add("test-console", AttemptConsole::new);
    commands.add("test-list", ListRuns::new);
    commands.add("test-cancel", Cancel::new);
  }

  /** A command about one run, named by its first word. */
  abstract static class RunCommand extends GatewayCommand {
    private final PositionalParamSpec run = arg(Args.word("RUN", "the run's id"));

    RunCommand(VmctlCommand vmctl, String... description) {
      super(vmctl, description);
    }

    String run() {
      return run.getValue();
    }

    TestRunPrinter printer() {
      return new TestRunPrinter(out(), err(), json());
    }

    /** The run's report as JUnit XML in {@code file}, when one was asked for. */
    void writeJUnit(String file, LifecycleTestRun run) throws IOException {
      if (file != null) {
        JUnitReport.write(Path.of(file), run);
        err().println("JUnit report: " + file);
      }
    }
  }

  static OptionSpec junitOption(String description) {
    return Args.text("--junit", "FILE", description);
  }

  static final class Test extends RunCommand {
    private final SpecOptions vm = new SpecOptions(this);
    private final OptionSpec iterations = arg(Args.number("--iterations", "N", 1, "how many VMs to test (default: 1)"));
    private final OptionSpec concurrency = arg(Args.number("--concurrency", "N", 1, "how many at a time (default: 1)"));
    private final OptionSpec reboot = arg(Args.flag("--reboot", "reboot each after its checks and wait for readiness again"));
    private final OptionSpec expectations = arg(Args.repeatable("--expect", "REGEX", "a console line each guest must show (repeatable)"));
    private final OptionSpec commands = arg(Args.repeatable("--exec", "\"PATH ARG...[=EXIT_CODE]\"",
        "a command run in each guest by its agent, split at spaces; =N for an exit code other than 0 (repeatable)"));
    private final OptionSpec stopTimeout = arg(Args.number("--stop-timeout", "SECONDS", 0, "how long a guest has to power off (default: 30)"));
    private final OptionSpec retries = arg(Args.number("--retries", "N", 0,
        "new VMs an iteration may take after infrastructure failures (default: 2)"));
    private final OptionSpec noRetries = arg(Args.flag("--no-retries", "no new VM after an infrastructure failure"));
    private final OptionSpec host = arg(Args.text("--host", "ID", "", "the host to test on (default: each VM placed by the fleet)"));
    private final OptionSpec watch = arg(Args.flag("--watch", "follow the run to its end (each attempt as it starts, moves on and "
        + "ends) and print its report"));
    private final OptionSpec junit = arg(junitOption("follow the run to its end and write its report as JUnit XML to FILE too"));

    Test(VmctlCommand vmctl) {
      super(vmctl, "Starts a lifecycle test run (or finds the one of that id): N times create a VM, start it, wait for the",
          "guest, check it, stop it gracefully, delete it. Exit code 1 if a watched run did not pass.");
      spec().usageMessage().header("Starts a lifecycle test run: N times create a VM, start it, check it, stop it, delete it.");
    }

    @Override
    ExitCode run(Gateway gateway) throws IOException {
      LifecycleTestServiceBlockingStub tests = gateway.tests();
      LifecycleTestRun started = tests.runLifecycleTest(request().build());
      if (!watch.<Boolean>getValue() && junit.getValue() == null) {
        printer().started(started);
        return ExitCode.OK;
      }
      TestRunPrinter printer = printer();
      LifecycleTestRun run = TestRunStream.follow(tests, started.getRunId(), printer, err());
      printer.report(run);
      writeJUnit(junit.getValue(), run);
      return run.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED ? ExitCode.OK : ExitCode.FAILED;
    }

    private RunLifecycleTestRequest.Builder request() throws IOException {
      VmSpec.Builder spec = vm.spec();
      String testGuest = vm.testGuest();
      if (!spec.hasReadiness() && testGuest != null) {
        // The project's test guests say when they are up: a console marker, or their agent.
        spec.setReadiness(testGuest.equals("agent") ? ReadinessProbe.newBuilder().setGuestAgent(true)
            : ReadinessProbe.newBuilder().setSerialPattern("PLASMAVMC-GUEST-READY"));
      }
      LifecycleChecks.Builder checks = LifecycleChecks.newBuilder().addAllSerialExpectations(Args.values(expectations));
      Args.values(commands).forEach(command -> checks.addCommands(GuestCommandOption.parse(command)));
      return RunLifecycleTestRequest.newBuilder()
          .setRunId(run())
          .setSpec(spec)
          .setIterations(iterations.getValue())
          .setConcurrency(concurrency.getValue())
          .setReboot(reboot.getValue())
          .setStopTimeoutSeconds(stopTimeout.getValue())
          .setInfraRetries(retries.getValue())
          .setNoInfraRetries(noRetries.getValue())
          .setHostId(host.getValue())
          .setChecks(checks);
    }
  }

  static final class Report extends RunCommand {
    private final OptionSpec junit = arg(junitOption("write the report as JUnit XML to FILE too (a running run's unfinished iterations "
        + "skipped)"));

    Report(VmctlCommand vmctl) {
      super(vmctl, "Shows a run's progress while it runs, its report once it ended. Exit code 1 if it failed or was cancelled.");
    }

    @Override
    ExitCode run(Gateway gateway) throws IOException {
      LifecycleTestRun found = gateway.tests().getLifecycleTestRun(GetLifecycleTestRunRequest.newBuilder().setRunId(run()).build());
      printer().report(found);
      writeJUnit(junit.getValue(), found);
      return found.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED
          || found.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_CANCELLED ? ExitCode.FAILED : ExitCode.OK;
    }
  }

  static final class AttemptConsole extends RunCommand {
    private final PositionalParamSpec vm = arg(Args.word("VM_NAME", "the attempt's VM: RUN-ITERATION-ATTEMPT"));
    private final OptionSpec bytes = arg(Args.number("--bytes", "N", 0,
        "how much of its end (default: the gateway's, 64 KiB; at most 256 KiB, all a host keeps)"));

    AttemptConsole(VmctlCommand vmctl) {
      super(vmctl, "Prints the end of an attempt's serial console as its host kept it before deleting its VM (the newest 50 runs').");
    }

    @Override
    ExitCode run(Gateway gateway) {
      return print(gateway.tests().getLifecycleTestAttemptConsole(GetLifecycleTestAttemptConsoleRequest.newBuilder().setRunId(run())
          .setVmName(vm.getValue()).setMaxBytes(bytes.getValue()).build()));
    }
  }

  static final class Cancel extends RunCommand {
    Cancel(VmctlCommand vmctl) {
      super(vmctl, "Cancels a run: its VMs are deleted, the run ends CANCELLED.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      err().println("cancelling lifecycle test " + run() + " (its VMs are deleted first)...");
      printer().report(gateway.tests().cancelLifecycleTestRun(CancelLifecycleTestRunRequest.newBuilder().setRunId(run()).build()));
      return ExitCode.OK;
    }
  }

  static final class ListRuns extends GatewayCommand {
    private final OptionSpec pageSize = arg(Args.number("--page-size", "N", 20, "how many (default: 20)"));

    ListRuns(VmctlCommand vmctl) {
      super(vmctl, "Lists the lifecycle test runs, newest first.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      ListLifecycleTestRunsResponse page =
          gateway.tests().listLifecycleTestRuns(ListLifecycleTestRunsRequest.newBuilder().setPageSize(pageSize.getValue()).build());
      new TestRunPrinter(out(), err(), json()).list(page);
      return ExitCode.OK;
    }
  }
}
