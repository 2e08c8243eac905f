package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.spec.ReadinessProbe;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt.Outcome;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt;
import io.plasmavmc.contract.testrun.LifecycleTestPlan;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import io.plasmavmc.contract.testrun.LifecycleTestWatch;
import io.plasmavmc.contract.testrun.LifecycleTestWatch.AttemptEvent;
import io.plasmavmc.contract.testrun.LifecycleTestWatch.Kind;
import io.plasmavmc.contract.testrun.LifecycleTestWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.CanceledFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lifecycle test runs in Temporal's test environment: the run's workflow drives real VM workflows
 * through {@link VmOperationsImpl} against an in-memory host. The same runs boot real guests in
 * the launcher's end-to-end tests.
 */
class LifecycleTestWorkflowTest {
  private static final String HOST = "h1";

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeHost host;
  private FakeFleet fleet;

  @BeforeEach
  void setUp() {
    env = TestEnvironments.withSearchAttributes();
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(VmWorkflowImpl.class, LifecycleTestWorkflowImpl.class);
    fleet = new FakeFleet();
    control.registerActivitiesImplementations(new VmOperationsImpl(env.getWorkflowClient()), fleet);
    host = new FakeHost();
    host.allGuestsReady = true;
    env.newWorker(TaskQueues.host(HOST)).registerActivitiesImplementations(host);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private static LifecycleTestPlan plan(String runId, int iterations, int concurrency, List<String> expectations,
      List<GuestCommand> commands, int infraRetries) {
    return plan(runId, List.of(), iterations, concurrency, expectations, commands, infraRetries);
  }

  private static LifecycleTestPlan plan(String runId, List<DiskSpec> disks, int iterations, int concurrency, List<String> expectations,
      List<GuestCommand> commands, int infraRetries) {
    VmSpec spec = VmSpec.of("template").withAccelerator(Accelerator.TCG).withReadiness(new ReadinessProbe("READY", 120)).withDisks(disks);
    return new LifecycleTestPlan(runId, spec, HOST, iterations, concurrency, expectations, commands, false, 2, infraRetries,
        Duration.ofSeconds(5));
  }

  private LifecycleTestWorkflow stub(String runId) {
    return client.newWorkflowStub(LifecycleTestWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(LifecycleTestWorkflow.workflowId(runId)).setTaskQueue(TaskQueues.CONTROL).build());
  }

  private LifecycleTestReport query(String runId) {
    return client.newWorkflowStub(LifecycleTestWorkflow.class, LifecycleTestWorkflow.workflowId(runId)).report();
  }

  private LifecycleTestReport run(LifecycleTestPlan plan) {
    return stub(plan.runId()).run(plan);
  }

  /** No VM of the run is left: no QEMU on the host, every VM workflow ended. */
  private void assertNothingLeft(LifecycleTestReport report) {
    for (LifecycleTestAttempt attempt : report.attempts()) {
      assertFalse(host.alive(attempt.vmName()), attempt.vmName() + " still has a QEMU");
      VmRecord vm = client.newWorkflowStub(VmWorkflow.class, TaskQueues.workflowId(attempt.vmName())).describe();
      assertEquals(VmState.DELETED, vm.state(), attempt.vmName());
    }
  }

  private void record(String runId, String fixture) throws IOException {
    TestEnvironments.record(client, LifecycleTestWorkflow.workflowId(runId), fixture);
  }

  @Test
  void threeIterationsPassTwoAtATimeAndEveryPhaseIsTimed() throws Exception {
    LifecycleTestReport report = run(plan("three", 3, 2, List.of("READY"), List.of(), 2));
    assertEquals(LifecycleTestReport.State.PASSED, report.state(), report.reason());
    assertEquals(3, report.passed());
    assertEquals(0, report.failed());
    assertEquals(List.of("three-1-1", "three-2-1", "three-3-1"),
        report.attempts().stream().map(LifecycleTestAttempt::vmName).sorted().toList());
    assertEquals(List.of("create", "ready", "checks", "stop", "delete"),
        report.phases().stream().map(LifecycleTestReport.PhaseStats::phase).toList());
    report.phases().forEach(phase -> assertEquals(3, phase.count(), phase.toString()));
    assertEquals(3, host.spawns.get());
    assertNothingLeft(report);
    // Queried after its end, the run says the same.
    assertEquals(report.passed(), query("three").passed());
    record("three", "lifecycle-test-passed");
  }

  /**
   * Before each attempt's VM is deleted, its host keeps the end of its console: one archive per
   * attempt, before the VM's runtime directory goes, readable on the host after the VM is gone.
   */
  @Test
  void eachAttemptsHostKeepsItsConsoleOnceBeforeItsVmIsDeleted() {
    LifecycleTestReport report = run(plan("kept", 3, 2, List.of(), List.of(), 2));
    assertEquals(LifecycleTestReport.State.PASSED, report.state(), report.reason());
    assertEquals(HOST, report.hostId());
    for (LifecycleTestAttempt attempt : report.attempts()) {
      String archive = "archive " + attempt.vmName() + " (run kept)";
      assertEquals(1, host.lifecycle.stream().filter(archive::equals).count(), host.lifecycle.toString());
      assertTrue(host.lifecycle.indexOf(archive) < host.lifecycle.indexOf("cleanup " + attempt.vmName()), host.lifecycle.toString());
      assertTrue(attempt.consoleKept(), attempt.toString());
      assertEquals("console of " + attempt.vmName() + "\n",
          new String(host.readArchivedConsole("kept", attempt.vmName(), 1024).data(), StandardCharsets.UTF_8));
    }
    assertNothingLeft(report);
  }

  @Test
  void aConsoleTheHostCannotKeepIsSaidAndTheAttemptPassesAllTheSame() {
    host.archiveFailuresLeft.set(3); // every retry of the one archive
    LifecycleTestReport report = run(plan("unkept", 1, 1, List.of(), List.of(), 2));
    assertEquals(LifecycleTestReport.State.PASSED, report.state(), report.reason());
    assertFalse(report.attempts().get(0).consoleKept());
    assertNothingLeft(report);
  }

  /** A watcher reads every attempt's events in order, numbered; asked again from the last, nothing new. */
  @Test
  void aWatcherReadsEveryEventOfEveryAttemptInOrder() {
    run(plan("watched", 2, 1, List.of(), List.of(), 2));
    LifecycleTestWorkflow watched = client.newWorkflowStub(LifecycleTestWorkflow.class, LifecycleTestWorkflow.workflowId("watched"));
    LifecycleTestWatch all = watched.watch(0, false);
    assertEquals(LifecycleTestReport.State.PASSED, all.run().state());
    assertEquals(List.of(), all.run().attempts(), "the attempts only when asked for");
    assertEquals(2, watched.watch(Long.MAX_VALUE, true).run().attempts().size());
    List<String> first = all.events().stream().filter(e -> e.attempt().vmName().equals("watched-1-1"))
        .map(e -> e.kind() + " " + e.attempt().phase()).toList();
    assertEquals(List.of("STARTED create", "PHASE ready", "PHASE checks", "PHASE stop", "PHASE delete", "ENDED "), first);
    AttemptEvent last = all.events().get(all.events().size() - 1);
    assertEquals(Kind.ENDED, last.kind());
    assertEquals(LifecycleTestAttempt.Outcome.PASSED, last.attempt().outcome());
    assertEquals(all.seq(), last.seq());
    assertEquals(LongStream.rangeClosed(1, all.seq()).boxed().toList(), all.events().stream().map(AttemptEvent::seq).toList());
    assertEquals(List.of(), watched.watch(all.seq(), false).events());
    assertEquals(all.events().subList(3, all.events().size()), watched.watch(3, false).events());
  }

  /** Runs recorded before consoles were kept replay without the archive (VmWorkflowReplayTest); new runs ask the gate once. */
  @Test
  void aNewRunMarksTheConsoleGateOnce() {
    run(plan("gated", 2, 2, List.of(), List.of(), 2));
    List<HistoryEvent> markers = client.fetchHistory(LifecycleTestWorkflow.workflowId("gated")).getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED).toList();
    assertEquals(1, markers.size(), markers.toString());
    assertTrue(markers.get(0).toString().contains(LegacyPaths.ARCHIVE_ATTEMPT_CONSOLES), markers.get(0).toString());
  }

  /**
   * Every attempt creates a VM of its own from the plan's spec, so a disk made from an image is an
   * overlay of its own (the image under test is never written), and it goes with the attempt's VM.
   */
  @Test
  void everyAttemptBootsDisksOfItsOwnAndTakesThemAlong() {
    LifecycleTestReport report = run(plan("imaged", List.of(DiskSpec.fromImage("debian-12", 4)), 3, 2, List.of(), List.of(), 2));
    assertEquals(LifecycleTestReport.State.PASSED, report.state(), report.reason());
    assertEquals(List.of("imaged-1-1", "imaged-2-1", "imaged-3-1"), host.disksRemoved.stream().sorted().toList());
    assertNothingLeft(report);
  }

  @Test
  void aGuestThatDoesNotPowerOffFailsItsIterationKeepsItsConsoleAndIsStillDeleted() throws Exception {
    host.stubborn = true;
    LifecycleTestReport report = run(plan("stubborn", 1, 1, List.of(), List.of(), 2));
    assertEquals(LifecycleTestReport.State.FAILED, report.state());
    LifecycleTestAttempt attempt = report.attempts().get(0);
    assertEquals(Outcome.GUEST_FAILURE, attempt.outcome(), attempt.toString());
    assertEquals("stop", attempt.phase());
    assertTrue(attempt.reason().contains("did not power off within 2 s"), attempt.reason());
    assertEquals("console of stubborn-1-1\n", attempt.consoleExcerpt());
    assertTrue(attempt.consoleKept(), "kept whole on the host too");
    assertEquals(1, report.attempts().size(), "a guest failure is not retried");
    assertNothingLeft(report);
    record("stubborn", "lifecycle-test-guest-failure");
  }

  @Test
  void anInfrastructureFailureIsRetriedOnANewVm() throws Exception {
    host.spawnFailuresLeft.set(1);
    LifecycleTestReport report = run(plan("flaky", 1, 1, List.of(), List.of(), 2));
    assertEquals(LifecycleTestReport.State.PASSED, report.state(), report.reason());
    assertEquals(1, report.infraRetries());
    assertEquals(2, report.attempts().size());
    LifecycleTestAttempt first = report.attempts().get(0);
    assertEquals(Outcome.INFRASTRUCTURE_FAILURE, first.outcome());
    assertEquals("create", first.phase());
    assertEquals("flaky-1-2", report.attempts().get(1).vmName());
    assertEquals(Outcome.PASSED, report.attempts().get(1).outcome());
    assertNothingLeft(report);
    record("flaky", "lifecycle-test-retried");
  }

  @Test
  void withoutRetriesAnInfrastructureFailureFailsTheIteration() {
    host.spawnFailuresLeft.set(1);
    LifecycleTestReport report = run(plan("strict", 1, 1, List.of(), List.of(), 0));
    assertEquals(LifecycleTestReport.State.FAILED, report.state());
    assertEquals(Outcome.INFRASTRUCTURE_FAILURE, report.attempts().get(0).outcome());
    assertEquals("", report.attempts().get(0).consoleExcerpt(), "the guest is not to blame: no excerpt");
  }

  @Test
  void aGuestCommandEndingWithTheWrongExitCodeFailsTheIteration() {
    host.execExitCode = 1;
    LifecycleTestReport report = run(plan("exec", 1, 1, List.of(),
        List.of(new GuestCommand("/bin/grep", List.of("-q", "ok", "/etc/motd"), 0, 10)), 2));
    LifecycleTestAttempt attempt = report.attempts().get(0);
    assertEquals(Outcome.GUEST_FAILURE, attempt.outcome());
    assertEquals("checks", attempt.phase());
    assertTrue(attempt.reason().contains("`/bin/grep -q ok /etc/motd` exited 1, expected 0"), attempt.reason());
    assertNothingLeft(report);
  }

  @Test
  void aCancelledRunDeletesTheVmsItWasTesting() throws Exception {
    host.allGuestsReady = false; // the guests never get ready: the run waits
    LifecycleTestPlan plan = plan("cancelled", 2, 2, List.of(), List.of(), 2);
    WorkflowClient.start(stub("cancelled")::run, plan);
    // Cancelled while both attempts wait for their guests (not while an activity completes: the
    // in-memory test server refuses to cancel an activity that completed in the same instant).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!bothWaitingForTheirGuests(query("cancelled")) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(bothWaitingForTheirGuests(query("cancelled")), query("cancelled").toString());
    WorkflowStub run = client.newUntypedWorkflowStub(LifecycleTestWorkflow.workflowId("cancelled"));
    run.cancel();
    // The run ends cancelled (so the Temporal UI shows it), its report readable by query.
    WorkflowFailedException ended = assertThrows(WorkflowFailedException.class, () -> run.getResult(60, TimeUnit.SECONDS, LifecycleTestReport.class));
    assertInstanceOf(CanceledFailure.class, ended.getCause());
    LifecycleTestReport report = query("cancelled");
    assertEquals(LifecycleTestReport.State.CANCELLED, report.state());
    assertTrue(report.attempts().stream().allMatch(a -> a.outcome() == Outcome.CANCELLED && a.phase().equals("ready")),
        report.attempts().toString());
    assertNothingLeft(report);
  }

  private static boolean bothWaitingForTheirGuests(LifecycleTestReport report) {
    return report.attempts().size() == 2 && report.attempts().stream().allMatch(a -> a.phase().equals("ready"));
  }

  /** A plan without a host: each attempt's VM goes where placement puts it, and its checks follow it there. */
  @Test
  void aPlanWithoutAHostHasEachVmPlaced() {
    LifecycleTestPlan named = plan("placed", 2, 2, List.of("READY"), List.of(new GuestCommand("/bin/true", List.of(), 0, 10)), 2);
    LifecycleTestPlan plan = new LifecycleTestPlan(named.runId(), named.spec(), "", named.iterations(), named.concurrency(),
        named.serialExpectations(), named.commands(), named.reboot(), named.stopTimeoutSeconds(), named.infraRetries(), named.hostTaskTimeout());
    LifecycleTestReport report = run(plan);
    assertEquals(LifecycleTestReport.State.PASSED, report.state(), report.reason());
    assertEquals(List.of("placed-1-1 on  by SPREAD", "placed-2-1 on  by SPREAD"), fleet.asked.stream().sorted().toList());
    assertEquals(List.of("placed-1-1@h1", "placed-2-1@h1"), fleet.released.stream().sorted().toList());
    assertNothingLeft(report);
  }

  @Test
  void percentilesAreNearestRank() {
    List<Long> values = LongStream.rangeClosed(1, 10).boxed().toList();
    assertEquals(5, LifecycleTestReport.percentile(values, 50));
    assertEquals(10, LifecycleTestReport.percentile(values, 95));
    assertEquals(7, LifecycleTestReport.percentile(List.of(7L), 95));
  }
}
