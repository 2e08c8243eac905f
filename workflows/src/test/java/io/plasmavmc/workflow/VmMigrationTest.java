package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.StateChange;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmSearchAttributes;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A VM's live migration as its workflow runs it (the saga of {@link VmMigration}), in Temporal's
 * test environment, between two in-memory hosts whose migration steps run as the real ones leave
 * QEMU (see {@link FakeMigrations}); the real steps run against QEMU in the activities' tests.
 */
class VmMigrationTest {
  private static final String SOURCE = VmWorkflowTest.HOST;
  private static final String TARGET = "h2";

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeFleet fleet;
  private FakeHost source;
  private FakeHost target;
  private FakeMigrations sourceSteps;
  private FakeMigrations targetSteps;

  @BeforeEach
  void setUp() {
    env = TestEnvironments.withSearchAttributes();
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(VmWorkflowImpl.class);
    fleet = new FakeFleet();
    control.registerActivitiesImplementations(fleet);
    source = new FakeHost(1000);
    sourceSteps = new FakeMigrations(source);
    env.newWorker(TaskQueues.host(SOURCE)).registerActivitiesImplementations(source, sourceSteps);
    target = new FakeHost(5000);
    targetSteps = new FakeMigrations(target);
    env.newWorker(TaskQueues.host(TARGET)).registerActivitiesImplementations(target, targetSteps);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  private VmWorkflow create(String name, VmSpec spec) {
    VmWorkflow vm = client.newWorkflowStub(VmWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(TaskQueues.workflowId(name)).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(vm::run, new VmWorkflowInput(name, name, "req-" + name, spec, SOURCE, true, Duration.ofSeconds(5), null));
    assertEquals(VmState.RUNNING, vm.awaitCreated(null).state());
    return vm;
  }

  private static VmSpec spec(String name) {
    return VmSpec.of(name).withAccelerator(Accelerator.TCG);
  }

  private static OperationRecord last(VmRecord vm) {
    return vm.recentOperations().get(vm.recentOperations().size() - 1);
  }

  @Test
  void theVmMovesToTheHostPlacementChoseAndItsOperationsFollowIt() throws Exception {
    VmWorkflow vm = create("web", spec("web"));
    long sourcePid = vm.describe().pid();

    VmRecord moved = vm.migrate(new MigrateRequest(null, 200, 50, "move-1"));
    assertEquals(TARGET, moved.hostId());
    assertEquals(VmState.RUNNING, moved.state());
    assertEquals(target.pid("web"), moved.pid());
    assertTrue(moved.pid() != sourcePid && moved.pid() > 5000, "the target's QEMU: " + moved.pid());
    assertTrue(moved.placement().startsWith("migrated from host h1: spread: host h2 (fake)"), moved.placement());
    assertEquals(List.of("web on h1 by SPREAD", "web migrates from h1 to "), fleet.asked, "placement chose the target, not the source");
    assertEquals(List.of("prepareIncoming", "startIncoming", "finishTarget"), targetSteps.steps);
    assertEquals(List.of("migrate", "endSource"), sourceSteps.steps);
    assertEquals(List.of(new MigrationLimits(200, 50, MigrationLimits.DEFAULT_TIMEOUT)), sourceSteps.limits);
    assertEquals("console of web\n", new String(targetSteps.consoles.get("web"), StandardCharsets.UTF_8),
        "the source's console is carried over to the target's");
    assertFalse(source.alive("web"), "the source's QEMU ended");
    assertEquals("running", target.runState("web"));
    assertEquals(List.of("web@h1"), fleet.released, "the source's room goes back");

    OperationRecord migration = last(moved);
    assertEquals("migrate", migration.name());
    assertTrue(migration.outcome().startsWith("ok: from host h1 to host h2, 480 ms in all, 35 ms of downtime, 64.0 MiB sent"),
        migration.outcome());
    assertTrue(moved.stateReason().startsWith("migrated from host h1 to host h2: 480 ms in all"), moved.stateReason());
    List<String> phases = vm.watch(0).changes().stream().map(StateChange::reason).toList();
    for (String phase : List.of("migrating: choose a host other than h1 and reserve room there",
        "migrating to host h2: starting QEMU there for the VM's state",
        "migrating to host h2: sending RAM and devices (at most 200 MiB/s, 50 ms of downtime)")) {
      assertTrue(phases.contains(phase), "WatchVm reports the phase " + phase + ": " + phases);
    }
    WorkflowStub stub = WorkflowStub.fromTyped(vm);
    assertEquals(TARGET, stub.describe().getTypedSearchAttributes().get(VmSearchAttributes.HOST));
    // The fake source's monitor ended at once (a real one watches until its QEMU goes) and waits to be renewed: past that wait.
    env.sleep(Duration.ofSeconds(11));
    for (int i = 0; i < 500 && target.monitors.get() == 0; i++) {
      Thread.sleep(10);
    }
    assertTrue(target.monitors.get() > 0, "a monitor watches the target's QEMU");

    assertEquals(VmState.PAUSED, vm.pause().state());
    assertEquals("paused", target.runState("web"), "operations go to the VM's new host");
    assertEquals(VmState.DELETED, vm.delete(DeleteRequest.ALL).state());
    assertFalse(target.alive("web"));
    assertEquals(List.of("web@h1", "web@h2"), fleet.released, "deleted, the VM gives back its room on its new host");
    record("web", "vm-migrated");
  }

  @Test
  void aTransferThatFailsIsUndoneTheTargetEndedAndTheSourceRunningOn() {
    VmWorkflow vm = create("stay", spec("stay"));
    VmRecord before = vm.describe();
    sourceSteps.failAt = "migrate";

    ApplicationFailure failure = failure(() -> vm.migrate(MigrateRequest.to(TARGET)));
    assertEquals(FailureReasons.MIGRATION_FAILED, failure.getType());
    assertTrue(failure.getOriginalMessage().startsWith("migration of VM stay to host h2 failed while sending the VM's state to host h2: "),
        failure.getOriginalMessage());
    assertTrue(failure.getOriginalMessage().endsWith("undone: the VM is RUNNING on host h1 as before"), failure.getOriginalMessage());

    VmRecord after = vm.describe();
    assertEquals(SOURCE, after.hostId());
    assertEquals(before.pid(), after.pid(), "the same QEMU runs the VM");
    assertEquals(VmState.RUNNING, after.state());
    assertEquals(List.of("prepareIncoming", "startIncoming", "abortTarget"), targetSteps.steps);
    assertEquals(List.of("migrate", "resumeSource"), sourceSteps.steps);
    assertFalse(target.alive("stay"), "the target's QEMU ended");
    assertEquals("running", source.runState("stay"));
    assertEquals(List.of("stay@h2"), fleet.released, "the target's room goes back");
    assertEquals(List.of("stay on h1 by SPREAD", "stay migrates from h1 to h2"), fleet.asked);
    assertTrue(last(after).outcome().startsWith("failed: migration of VM stay to host h2 failed"), last(after).outcome());

    sourceSteps.failAt = null;
    assertEquals(TARGET, vm.migrate(MigrateRequest.to(TARGET)).hostId(), "a later migration goes through");
  }

  @Test
  void aTargetThatCannotBeReachedToEndItsQemuIsToldWhenItIsBack() throws Exception {
    VmWorkflow vm = create("cut", spec("cut"));
    long sourcePid = vm.describe().pid();
    sourceSteps.failAt = "migrate";
    targetSteps.abortUnreachableOnce = true;

    ApplicationFailure failure = failure(() -> vm.migrate(MigrateRequest.to(TARGET)));
    assertEquals(FailureReasons.MIGRATION_FAILED, failure.getType());
    assertTrue(failure.getOriginalMessage().endsWith("undone: the VM is RUNNING on host h1 as before"), failure.getOriginalMessage());
    assertEquals(sourcePid, vm.describe().pid(), "the source's QEMU runs the VM on");
    assertEquals(List.of("cut@h2"), fleet.released, "the target's room goes back though its QEMU could not be ended yet");
    // The abort left in the target's queue is delivered once its worker polls (here at once: the fake is reachable again).
    for (int i = 0; i < 500 && target.alive("cut"); i++) {
      Thread.sleep(10);
    }
    assertFalse(target.alive("cut"), "the target's QEMU ended by the abort that waited for its host");
    assertEquals(List.of("prepareIncoming", "startIncoming", "abortTarget", "abortTarget"), targetSteps.steps);
    assertEquals(SOURCE, vm.describe().hostId());
  }

  @Test
  void aTargetSilentAfterItWasToldToRunIsAskedUntilItSaysAndItsWordDecides() {
    VmWorkflow vm = create("silent", spec("silent"));
    long sourcePid = vm.describe().pid();
    // Its finish is not heard (as a target whose worker is lost past the operation's deadline), nor its first abort.
    targetSteps.failAt = "finishTarget";
    targetSteps.abortUnreachableOnce = true;

    ApplicationFailure failure = failure(() -> vm.migrate(MigrateRequest.to(TARGET)));
    assertEquals(FailureReasons.MIGRATION_FAILED, failure.getType());
    assertTrue(failure.getOriginalMessage().endsWith("undone: the VM is RUNNING on host h1 as before"), failure.getOriginalMessage());
    assertEquals(List.of("prepareIncoming", "startIncoming", "finishTarget", "abortTarget", "abortTarget"), targetSteps.steps,
        "asked again until the target answers: it never let the guest run, so it is ended");
    assertEquals(List.of("migrate", "resumeSource"), sourceSteps.steps, "and then only the source takes the guest back");
    VmRecord after = vm.describe();
    assertEquals(SOURCE, after.hostId());
    assertEquals(sourcePid, after.pid());
    assertEquals("running", source.runState("silent"));
    assertFalse(target.alive("silent"));
    List<String> phases = vm.watch(0).changes().stream().map(StateChange::reason).toList();
    assertTrue(phases.stream().anyMatch(phase -> phase.startsWith("migrating to host h2: host h2 was told to let the guest run and does "
        + "not answer")), "WatchVm says what the migration waits for: " + phases);
  }

  @Test
  void aTargetThatTookTheVmOverThoughItsLastStepSeemedToFailOwnsIt() {
    VmWorkflow vm = create("late", spec("late"));
    targetSteps.finishLostAfterRunning = true;
    VmRecord moved = vm.migrate(MigrateRequest.to(TARGET));
    assertEquals(TARGET, moved.hostId(), "the target runs the guest: it is the VM's, and the saga completes forward");
    assertEquals(target.pid("late"), moved.pid());
    assertEquals(List.of("prepareIncoming", "startIncoming", "finishTarget", "abortTarget"), targetSteps.steps);
    assertEquals(List.of("migrate", "endSource"), sourceSteps.steps, "the source is ended, never given the guest back");
    assertTrue(target.alive("late"));
    assertFalse(source.alive("late"));
  }

  @Test
  void aVmThatCannotMigrateIsRefusedBeforeAnythingIsWritten() {
    VmWorkflow stopped = create("stopped", spec("stopped"));
    stopped.stop(StopRequest.forced());
    ApplicationFailure illegal = failure(() -> stopped.migrate(MigrateRequest.to(TARGET)));
    assertEquals(FailureReasons.ILLEGAL_TRANSITION, illegal.getType());
    assertEquals("VM stopped is STOPPED: cannot migrate; only a RUNNING or PAUSED VM migrates (a stopped one has no QEMU to move)",
        illegal.getOriginalMessage());

    VmWorkflow running = create("here", spec("here"));
    ApplicationFailure same = failure(() -> running.migrate(MigrateRequest.to(SOURCE)));
    assertEquals(FailureReasons.MIGRATION_UNSUPPORTED, same.getType());
    assertTrue(same.getOriginalMessage().contains("is on host h1 already"), same.getOriginalMessage());

    assertTrue(targetSteps.steps.isEmpty() && sourceSteps.steps.isEmpty(), "no host was asked anything");
    assertEquals(List.of("stopped on h1 by SPREAD", "here on h1 by SPREAD"), fleet.asked, "nor the fleet");
    for (String name : List.of("stopped", "here")) {
      assertFalse(client.fetchHistory(TaskQueues.workflowId(name)).getEvents().stream()
          .anyMatch(event -> event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
              && event.getWorkflowExecutionUpdateAcceptedEventAttributes().getAcceptedRequest().getInput().getName().equals("migrate")),
          name + ": the validator refused the update; its history has none");
    }
  }

  private static ApplicationFailure failure(Executable call) {
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, call);
    return (ApplicationFailure) e.getCause();
  }

  private void record(String vm, String fixture) throws IOException {
    TestEnvironments.record(client, TaskQueues.workflowId(vm), fixture);
  }
}
