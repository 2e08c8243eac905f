package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.AttemptOutcome;
import io.plasmavmc.api.v1.CancelLifecycleTestRunRequest;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.GetLifecycleTestAttemptConsoleRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.GuestCommand;
import io.plasmavmc.api.v1.LifecycleChecks;
import io.plasmavmc.api.v1.LifecycleTestAttempt;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.ListLifecycleTestRunsRequest;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.PhaseStats;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.cli.Vmctl;
import io.plasmavmc.host.testing.QemuProcessTable;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle test runs through the API on real QEMU booting the project's test guests, on
 * Temporal's dev server: a passing run, a guest that does not power off, a QEMU killed mid-run
 * (retried on a new VM), guest commands through the agent, a cancelled run, an expectation not met
 * (followed by vmctl through the run's stream, its console read after its VM is gone). Every run
 * must end with none of its VMs left.
 */
class LifecycleTestEndToEndTest {
  private static PlasmaVmcHarness plasma;
  private static LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub tests;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(5));
    tests = LifecycleTestServiceGrpc.newBlockingStub(plasma.channel).withCallCredentials(plasma.admin);
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  private static VmSpec guest(String variant) {
    return VmLifecycleEndToEndTest.guest(variant).toBuilder()
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern("PLASMAVMC-GUEST-READY").setTimeoutSeconds(120)).build();
  }

  private static RunLifecycleTestRequest.Builder run(String runId, VmSpec spec, int iterations) {
    return RunLifecycleTestRequest.newBuilder().setRunId(runId).setSpec(spec).setIterations(iterations);
  }

  private static LifecycleTestRun get(String runId) {
    return LifecycleTestRunWaits.get(tests, runId);
  }

  private static LifecycleTestRun awaitRun(String runId, Predicate<LifecycleTestRun> condition) throws InterruptedException {
    return LifecycleTestRunWaits.awaitRun(tests, runId, condition, Duration.ofMinutes(3));
  }

  private static LifecycleTestRun awaitEnd(String runId) throws InterruptedException {
    return LifecycleTestRunWaits.awaitEnd(tests, runId, Duration.ofMinutes(3));
  }

  /** None of the run's VMs exists any more, and no QEMU runs for any of them. */
  private static void assertNoVmLeft(LifecycleTestRun run) {
    for (LifecycleTestAttempt attempt : run.getAttemptsList()) {
      StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
          () -> plasma.vms.getVm(GetVmRequest.newBuilder().setName(attempt.getVmName()).build()));
      assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode(), attempt.getVmName());
      assertEquals(List.of(), QemuProcessTable.livePidsMentioning(plasma.vmDir(attempt.getVmName())), attempt.getVmName());
    }
    assertTrue(plasma.vms.listVms(ListVmsRequest.newBuilder().build()).getVmsList().stream()
        .noneMatch(vm -> vm.getName().startsWith(run.getRunId() + "-")), "ListVms shows none of the run's VMs");
  }

  @Test
  void aGracefulGuestPassesFiveIterationsWithEveryPhaseTimed() throws Exception {
    LifecycleTestRun started = tests.runLifecycleTest(run("graceful", guest("graceful"), 5).setConcurrency(2)
        .setChecks(LifecycleChecks.newBuilder().addSerialExpectations("variant=graceful")).build());
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_RUNNING, started.getState());
    LifecycleTestRun run = awaitEnd("graceful");
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED, run.getState(), run.toString());
    assertEquals(5, run.getPassed());
    assertEquals(0, run.getFailed());
    assertEquals(List.of("create", "ready", "checks", "stop", "delete"), run.getPhasesList().stream().map(PhaseStats::getPhase).toList());
    for (PhaseStats phase : run.getPhasesList()) {
      assertEquals(5, phase.getCount(), phase.toString());
      assertTrue(phase.getP50Millis() <= phase.getP95Millis() && phase.getP95Millis() <= phase.getMaxMillis(), phase.toString());
    }
    // The guest takes seconds to boot under TCG; the run's ready phase sees that.
    assertTrue(run.getPhases(1).getP50Millis() >= 500, run.getPhases(1).toString());
    assertNoVmLeft(run);

    // The same run id is the same run: asking again starts nothing new.
    LifecycleTestRun again = tests.runLifecycleTest(run("graceful", guest("graceful"), 5).build());
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED, again.getState());
    assertEquals(run.getAttemptsCount(), again.getAttemptsCount());

    // vmctl prints the report with its per-phase timings.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = new Vmctl(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, plasma.configDir)
        .run(new String[] {"--server", "127.0.0.1:" + plasma.stack.grpcPort(), "test-report", "graceful"});
    String report = out.toString(StandardCharsets.UTF_8);
    System.out.println(report);
    assertEquals(0, code, report);
    assertTrue(report.startsWith("lifecycle test graceful: PASSED in "), report);
    assertTrue(report.contains("iterations: 5 passed, 0 failed of 5; 0 infrastructure retries"), report);
    assertTrue(report.matches("(?s).*\nready\\s+5\\s+\\d+\\s+\\d+\\s+\\d+\n.*"), report);

    assertTrue(tests.listLifecycleTestRuns(ListLifecycleTestRunsRequest.newBuilder().build()).getRunsList().stream()
        .anyMatch(listed -> listed.getRunId().equals("graceful") && listed.getPassed() == 5));
  }

  @Test
  void aGuestThatDoesNotPowerOffFailsItsIterationAndIsStillDeleted() throws Exception {
    tests.runLifecycleTest(run("stubborn", guest("stubborn"), 1).setStopTimeoutSeconds(2).build());
    LifecycleTestRun run = awaitEnd("stubborn");
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED, run.getState(), run.toString());
    assertEquals(1, run.getAttemptsCount(), "a guest's failure is not retried");
    LifecycleTestAttempt attempt = run.getAttempts(0);
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_GUEST_FAILURE, attempt.getOutcome());
    assertEquals("stop", attempt.getPhase());
    assertTrue(attempt.getReason().contains("did not power off within 2 s"), attempt.getReason());
    assertTrue(attempt.getConsoleExcerpt().contains("PLASMAVMC-GUEST-READY variant=stubborn"), attempt.getConsoleExcerpt());
    assertNoVmLeft(run);
  }

  @Test
  void aQemuKilledMidIterationIsAnInfrastructureFailureRetriedOnANewVm() throws Exception {
    tests.runLifecycleTest(run("killed", guest("graceful"), 1).build());
    // The fault: the first attempt's QEMU is SIGKILLed as soon as the VM runs.
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    Vm first = null;
    while (System.nanoTime() < deadline && (first == null || first.getState() != VmState.VM_STATE_RUNNING)) {
      try {
        first = plasma.vms.getVm(GetVmRequest.newBuilder().setName("killed-1-1").build());
      } catch (StatusRuntimeException notYet) {
        // not created yet
      }
      Thread.sleep(20);
    }
    assertEquals(VmState.VM_STATE_RUNNING, first.getState());
    ProcessHandle qemu = ProcessHandle.of(first.getQemuPid()).orElseThrow();
    qemu.destroyForcibly();
    qemu.onExit().get(10, TimeUnit.SECONDS);

    LifecycleTestRun run = awaitEnd("killed");
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED, run.getState(), run.toString());
    assertEquals(1, run.getInfraRetries());
    assertEquals(2, run.getAttemptsCount());
    LifecycleTestAttempt killed = run.getAttempts(0);
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_INFRASTRUCTURE_FAILURE, killed.getOutcome(), killed.toString());
    assertTrue(killed.getReason().contains("CRASHED"), killed.getReason());
    assertEquals("killed-1-2", run.getAttempts(1).getVmName());
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_PASSED, run.getAttempts(1).getOutcome());
    assertNoVmLeft(run);
  }

  @Test
  void guestCommandsRunThroughTheAgentAndAWrongExitCodeFailsTheIteration() throws Exception {
    VmSpec agent = VmLifecycleEndToEndTest.guest("agent").toBuilder().setGuestAgent(true)
        .setReadiness(ReadinessProbe.newBuilder().setGuestAgent(true).setTimeoutSeconds(120)).build();
    tests.runLifecycleTest(run("agent-ok", agent, 1).setChecks(LifecycleChecks.newBuilder()
        .addCommands(GuestCommand.newBuilder().setPath("/bin/sh").addArgs("-c").addArgs("test -e /proc/version"))
        .addCommands(GuestCommand.newBuilder().setPath("/bin/sh").addArgs("-c").addArgs("echo $((40 + 2)); exit 3").setExpectedExitCode(3)))
        .build());
    tests.runLifecycleTest(run("agent-bad", agent, 1).setChecks(LifecycleChecks.newBuilder()
        .addCommands(GuestCommand.newBuilder().setPath("/bin/sh").addArgs("-c").addArgs("echo nope >&2; exit 1"))).build());
    LifecycleTestRun ok = awaitEnd("agent-ok");
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED, ok.getState(), ok.toString());
    LifecycleTestRun bad = awaitEnd("agent-bad");
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED, bad.getState(), bad.toString());
    LifecycleTestAttempt attempt = bad.getAttempts(0);
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_GUEST_FAILURE, attempt.getOutcome());
    assertEquals("checks", attempt.getPhase());
    assertTrue(attempt.getReason().contains("exited 1, expected 0: nope"), attempt.getReason());
    assertNoVmLeft(ok);
    assertNoVmLeft(bad);
  }

  @Test
  void aCancelledRunEndsWithNoneOfItsVms() throws Exception {
    VmSpec neverReady = VmLifecycleEndToEndTest.guest("graceful").toBuilder()
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern("NEVER-PRINTED").setTimeoutSeconds(600)).build();
    tests.runLifecycleTest(run("cancelled", neverReady, 4).setConcurrency(2).build());
    awaitRun("cancelled", run -> run.getAttemptsCount() == 2
        && run.getAttemptsList().stream().allMatch(a -> a.getPhase().equals("ready")));
    LifecycleTestRun run = tests.withDeadlineAfter(3, TimeUnit.MINUTES)
        .cancelLifecycleTestRun(CancelLifecycleTestRunRequest.newBuilder().setRunId("cancelled").build());
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_CANCELLED, run.getState(), run.toString());
    assertEquals(2, run.getAttemptsCount(), "no iteration starts after the cancel");
    run.getAttemptsList().forEach(a -> assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED, a.getOutcome()));
    assertNoVmLeft(run);
  }

  /**
   * vmctl test --watch follows the run's stream (each attempt as it starts, moves on and ends); the
   * attempt fails its expectation, its VM is deleted, and the console its host kept before that is
   * read through the API and by vmctl test-console.
   */
  @Test
  void anUnmetExpectationsConsoleIsReadableAfterItsVmIsGoneAndWatchShowsTheAttemptsFromTheStream() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String server = "127.0.0.1:" + plasma.stack.grpcPort();
    int code = new Vmctl(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        plasma.configDir).run("--server", server, "test", "unmet", "--test-guest", "graceful", "--expect", "NEVER-PRINTED-BY-THE-GUEST",
        "--watch");
    String printed = out.toString(StandardCharsets.UTF_8);
    String events = err.toString(StandardCharsets.UTF_8);
    System.out.println(events + printed);
    assertEquals(1, code, printed + events);
    for (String line : List.of("  unmet-1-1: started (iteration 1, attempt 1)\n", "  unmet-1-1: ready\n", "  unmet-1-1: checks\n",
        "  unmet-1-1: delete\n", "  unmet-1-1: guest failure after ")) {
      assertTrue(events.contains(line), line + " in\n" + events);
    }
    assertTrue(printed.contains("unmet-1-1 (iteration 1, attempt 1): guest failure in checks: serial expectation /NEVER-PRINTED-BY-THE-GUEST/"),
        printed);
    assertTrue(printed.contains("  whole console: vmctl test-console unmet unmet-1-1\n"), printed);

    LifecycleTestRun run = get("unmet");
    assertTrue(run.getAttempts(0).getConsoleKept(), run.toString());
    assertEquals("", run.getHostId(), "a run without host_id has each VM placed");
    assertEquals(plasma.stack.hostId(), run.getAttempts(0).getHostId(), "the attempt names the host placement chose, its console kept there");
    assertNoVmLeft(run);
    ConsoleLog kept = tests.getLifecycleTestAttemptConsole(GetLifecycleTestAttemptConsoleRequest.newBuilder().setRunId("unmet")
        .setVmName("unmet-1-1").build());
    String console = kept.getData().toString(StandardCharsets.ISO_8859_1);
    assertTrue(console.contains("PLASMAVMC-GUEST-READY variant=graceful"), console);
    assertTrue(Files.isRegularFile(plasma.artifactsDir.resolve("unmet").resolve("unmet-1-1.log")), "kept in <artifacts>/<run>/<vm>.log");

    ByteArrayOutputStream printedConsole = new ByteArrayOutputStream();
    assertEquals(0, new Vmctl(new PrintStream(printedConsole, true, StandardCharsets.UTF_8), System.err, plasma.configDir)
        .run("--server", server, "test-console", "unmet", "unmet-1-1"));
    assertEquals(console, printedConsole.toString(StandardCharsets.ISO_8859_1));
  }

  @Test
  void badRequestsNameTheFieldAndUnknownRunsAreNotFound() {
    VmSpec graceful = guest("graceful");
    assertInvalid("run_id:", run("Bad_Id", graceful, 1));
    assertInvalid("spec.readiness:", run("r", graceful.toBuilder().clearReadiness().build(), 1));
    assertInvalid("iterations:", run("r", graceful, 0));
    assertInvalid("iterations:", run("r", graceful, 100000));
    assertInvalid("concurrency:", run("r", graceful, 1).setConcurrency(-1));
    assertInvalid("checks.serial_expectations[0]:", run("r", graceful, 1)
        .setChecks(LifecycleChecks.newBuilder().addSerialExpectations("(unclosed")));
    assertInvalid("checks.commands:", run("r", graceful, 1)
        .setChecks(LifecycleChecks.newBuilder().addCommands(GuestCommand.newBuilder().setPath("/bin/true"))));
    assertInvalid("checks.commands[0].path:", run("r", graceful.toBuilder().setGuestAgent(true).build(), 1)
        .setChecks(LifecycleChecks.newBuilder().addCommands(GuestCommand.newBuilder().setPath("relative"))));
    assertInvalid("spec.memory_mib:", run("r", graceful.toBuilder().setMemoryMib(4).build(), 1));
    StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> get("no-such-run"));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
  }

  private static void assertInvalid(String field, RunLifecycleTestRequest.Builder request) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> tests.runLifecycleTest(request.build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().startsWith(field), e.getStatus().getDescription());
  }
}
