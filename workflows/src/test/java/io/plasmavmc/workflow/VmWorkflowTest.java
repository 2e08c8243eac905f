package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.GuestReadiness;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.StateChange;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmSearchAttributes;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWatch;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowClient;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.ReadinessProbe;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.sdk.v1.WorkflowMetadata;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** VmWorkflow in Temporal's test environment (time skipping) against an in-memory host. */
class VmWorkflowTest {
  static final String HOST = "h1";

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeHost host;
  private FakeFleet fleet;
  private Worker hostWorker;

  @BeforeEach
  void setUp() {
    env = TestEnvironments.withSearchAttributes();
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(VmWorkflowImpl.class);
    fleet = new FakeFleet();
    control.registerActivitiesImplementations(fleet);
    host = new FakeHost();
    hostWorker = env.newWorker(TaskQueues.host(HOST));
    hostWorker.registerActivitiesImplementations(host);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  static VmSpec spec(String name) {
    return VmSpec.of(name).withAccelerator(Accelerator.TCG);
  }

  private VmWorkflow create(String name, boolean start) {
    return create(name, start, HOST, spec(name));
  }

  private VmWorkflow create(String name, boolean start, String hostId, VmSpec spec) {
    VmWorkflow vm = client.newWorkflowStub(VmWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(TaskQueues.workflowId(name)).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(vm::run, new VmWorkflowInput(name, name, "req-" + name, spec, hostId, start, Duration.ofSeconds(5), null));
    return vm;
  }

  /**
   * History events other than workflow tasks. (The real server drops the speculative workflow task
   * of a rejected update entirely; the in-memory test server still records the task itself, but
   * nothing of the update.)
   */
  private List<String> historyWithoutTasks(String name) {
    return client.fetchHistory(TaskQueues.workflowId(name)).getEvents().stream()
        .map(event -> event.getEventType().name())
        .filter(type -> !type.startsWith("EVENT_TYPE_WORKFLOW_TASK_"))
        .toList();
  }

  /**
   * How each durable timer with {@code summary} ended, in the order they started: FIRED, CANCELED,
   * or RUNNING (a timer whose race is decided is cancelled, so none of a finished race runs on).
   */
  private List<String> timerEnds(String name, String summary) {
    List<HistoryEvent> events = client.fetchHistory(TaskQueues.workflowId(name)).getEvents();
    return events.stream()
        .filter(event -> event.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED && event.getUserMetadata().hasSummary()
            && summary.equals(DefaultDataConverter.STANDARD_INSTANCE.fromPayload(event.getUserMetadata().getSummary(), String.class, String.class)))
        .map(started -> events.stream()
            .filter(event -> event.getEventType() == EventType.EVENT_TYPE_TIMER_FIRED
                    && event.getTimerFiredEventAttributes().getStartedEventId() == started.getEventId()
                || event.getEventType() == EventType.EVENT_TYPE_TIMER_CANCELED
                    && event.getTimerCanceledEventAttributes().getStartedEventId() == started.getEventId())
            .map(event -> event.getEventType() == EventType.EVENT_TYPE_TIMER_FIRED ? "FIRED" : "CANCELED")
            .findFirst().orElse("RUNNING"))
        .toList();
  }

  @Test
  void theWholeLifecycle() throws Exception {
    VmWorkflow vm = create("web", true);
    VmRecord created = vm.awaitCreated(null);
    assertEquals(VmState.RUNNING, created.state());
    assertEquals("running", created.qemuRunState());
    assertTrue(created.pid() > 0);

    VmRecord stopped = vm.stop(StopRequest.graceful(60));
    assertEquals(VmState.STOPPED, stopped.state());
    assertEquals(0, stopped.pid());
    assertEquals(1, host.powerdowns.get());
    assertEquals(0, host.kills.get(), "a graceful guest is not killed");
    assertEquals(List.of("CANCELED"), timerEnds("web", "graceful shutdown timeout (60 s)"), "the guest won the race: its timer goes");

    assertEquals(VmState.RUNNING, vm.start().state());
    assertEquals(2, host.spawns.get());
    assertEquals(VmState.PAUSED, vm.pause().state());
    assertEquals(VmState.RUNNING, vm.resume().state());
    assertEquals(VmState.RUNNING, vm.reboot().state());
    assertEquals(1, host.resets.get());
    VmRecord forced = vm.stop(StopRequest.forced());
    assertEquals(VmState.STOPPED, forced.state());
    assertEquals(1, host.kills.get());

    VmRecord deleted = vm.delete(DeleteRequest.ALL);
    assertEquals(VmState.DELETED, deleted.state());
    VmRecord result = WorkflowStub.fromTyped(vm).getResult(5, TimeUnit.SECONDS, VmRecord.class);
    assertEquals(VmState.DELETED, result.state());
    assertEquals(1, host.cleanups.get());
    assertEquals(0, host.disksRemoved.size(), "a VM whose disks are files it was given has none of its own to remove");
    assertFalse(host.alive("web"));
    assertEquals(List.of("create", "stop", "start", "pause", "resume", "reboot", "stop", "delete"),
        result.recentOperations().stream().map(OperationRecord::name).toList());

    record("web", "vm-lifecycle");
  }

  private void record(String vm, String fixture) throws IOException {
    TestEnvironments.record(client, TaskQueues.workflowId(vm), fixture);
  }

  private static VmSpec probed(String name, int timeoutSeconds) {
    return spec(name).withReadiness(new ReadinessProbe("PLASMAVMC-GUEST-READY", timeoutSeconds));
  }

  @Test
  void aGuestIsReadyWhenItsProbeMatchesAndAgainAfterAReboot() throws Exception {
    host.readyGuests.add("probed");
    VmWorkflow vm = create("probed", true, HOST, probed("probed", 60));
    assertEquals(VmState.RUNNING, vm.awaitCreated(null).state());
    VmRecord ready = vm.awaitReady();
    assertEquals(GuestReadiness.Status.READY, ready.readiness().status());
    assertTrue(ready.stateReason().startsWith("guest ready: serial pattern /PLASMAVMC-GUEST-READY/ matched"), ready.stateReason());
    assertEquals(List.of(0L), host.consoleOffsets, "the first boot's console is read from its start");

    VmRecord rebooted = vm.reboot();
    assertEquals(GuestReadiness.Status.WAITING, rebooted.readiness().status(), "a reboot starts a new boot to wait for");
    assertEquals(GuestReadiness.Status.READY, vm.awaitReady().readiness().status());
    assertEquals(2, host.consoleWaits.get());
    assertTrue(host.consoleOffsets.get(1) > 0, "after a reboot, only what the new boot writes counts: " + host.consoleOffsets);
    assertEquals(List.of("CANCELED", "CANCELED"), timerEnds("probed", "readiness timeout (60 s)"), "each boot's probe matched: its timer goes");

    VmRecord stopped = vm.stop(StopRequest.forced());
    assertEquals(null, stopped.readiness(), "a stopped VM has no guest to be ready");
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, vm::awaitReady);
    assertEquals(FailureReasons.ILLEGAL_TRANSITION, ((ApplicationFailure) e.getCause()).getType());
    vm.delete(DeleteRequest.ALL);
    record("probed", "vm-readiness");
  }

  @Test
  void aStartingWorkerTakesOverTheReadinessWaitAtOnce() throws Exception {
    // The first wait and the monitor must still be on when the new worker reports in: they are
    // what gets replaced (and neither may end by itself as the workflow cancels it: see FakeHost).
    host.consoleWaitLimit = Duration.ofSeconds(60);
    host.monitorWatchLimit = Duration.ofSeconds(60);
    VmWorkflow vm = create("booting", true, HOST, probed("booting", 300));
    long pid = vm.awaitCreated(null).pid();
    assertTrue(host.consoleWaitStarted.tryAcquire(10, TimeUnit.SECONDS), "the host waits for the guest");
    assertEquals(1, host.consoleWaits.get());
    // The worker that held the wait died; its successor reports in (as HostWorker does at start).
    WorkflowStub.fromTyped(vm).signal("hostEvent", new HostEvent("booting", pid, HostEvent.WORKER_STARTED,
        host.observed(new VmStatus("booting", VmState.RUNNING, "running", pid, true, "running"), pid), Instant.now(), "host worker started"));
    assertTrue(host.consoleWaitStarted.tryAcquire(10, TimeUnit.SECONDS), "the new worker waits for the guest at once");
    assertEquals(2, host.consoleWaits.get());
    assertEquals(List.of(0L, 0L), host.consoleOffsets, "both read the boot's console from its start");
    host.readyGuests.add("booting");
    VmRecord ready = vm.awaitReady();
    assertEquals(GuestReadiness.Status.READY, ready.readiness().status());
    vm.delete(DeleteRequest.ALL);
    record("booting", "vm-readiness-renewed");
  }

  @Test
  void aGuestThatNeverPrintsItsMarkerIsNotReadyWhenTheProbesTimerFires() {
    VmWorkflow vm = create("silent", true, HOST, probed("silent", 90));
    vm.awaitCreated(null);
    assertEquals(GuestReadiness.Status.WAITING, vm.describe().readiness().status());
    Instant virtualStart = Instant.ofEpochMilli(env.currentTimeMillis());
    WorkflowUpdateHandle<VmRecord> wait = WorkflowStub.fromTyped(vm).startUpdate("awaitReady", WorkflowUpdateStage.ACCEPTED, VmRecord.class);
    env.sleep(Duration.ofSeconds(91));
    Exception e = assertThrows(Exception.class, () -> wait.getResult(10, TimeUnit.SECONDS));
    while (!(e instanceof WorkflowUpdateException) && e.getCause() instanceof Exception cause) {
      e = cause;
    }
    ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(FailureReasons.GUEST_NOT_READY, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("serial pattern /PLASMAVMC-GUEST-READY/ not seen on the serial console within 90 s"),
        failure.getOriginalMessage());
    assertTrue(Duration.between(virtualStart, Instant.ofEpochMilli(env.currentTimeMillis())).toSeconds() >= 89,
        "the probe's 90 s durable timer decided");
    VmRecord after = vm.describe();
    assertEquals(VmState.RUNNING, after.state(), "the VM stays for inspection");
    assertEquals(GuestReadiness.Status.NOT_READY, after.readiness().status());
    assertEquals(List.of("FIRED"), timerEnds("silent", "readiness timeout (90 s)"));
  }

  @Test
  void anAgentGuestIsReadyWhenItsAgentAnswersAndIsStoppedThroughIt() throws Exception {
    host.agentGuests.add("agent");
    VmSpec spec = spec("agent").withGuestAgent(true).withReadiness(ReadinessProbe.agent(60));
    VmWorkflow vm = create("agent", true, HOST, spec);
    vm.awaitCreated(null);
    VmRecord ready = vm.awaitReady();
    assertTrue(ready.readiness().ready());
    assertTrue(ready.stateReason().startsWith("guest ready: the guest agent (guest-sync) answered"), ready.stateReason());
    assertEquals(0, host.consoleWaits.get(), "no console wait for an agent probe");

    VmRecord stopped = vm.stop(StopRequest.graceful(60));
    assertEquals(VmState.STOPPED, stopped.state());
    assertEquals(1, host.agentShutdowns.get());
    assertEquals(0, host.powerdowns.get(), "the agent did it: no power button");
    assertEquals("the guest powered off (asked by its guest agent)", stopped.stateReason());
    vm.delete(DeleteRequest.ALL);
    record("agent", "vm-agent");
  }

  @Test
  void anAgentThatDoesNotAnswerLeavesTheStopToThePowerButton() {
    VmWorkflow vm = create("mute", true, HOST, spec("mute").withGuestAgent(true));
    vm.awaitCreated(null);
    VmRecord stopped = vm.stop(StopRequest.graceful(60));
    assertEquals(VmState.STOPPED, stopped.state());
    assertEquals(1, host.powerdowns.get());
    assertEquals(0, host.agentShutdowns.get());
  }

  @Test
  void waitingForReadinessNeedsAProbe() {
    VmWorkflow vm = create("plain", true);
    vm.awaitCreated(null);
    assertEquals(null, vm.describe().readiness());
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, vm::awaitReady);
    ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(FailureReasons.ILLEGAL_TRANSITION, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("has no readiness probe"), failure.getOriginalMessage());
    assertEquals(0, host.consoleWaits.get());
  }

  @Test
  void aStubbornGuestIsForcedOffWhenTheDurableTimerFires() throws Exception {
    host.stubborn = true;
    VmWorkflow vm = create("stubborn", true);
    vm.awaitCreated(null);
    long realStart = System.nanoTime();
    Instant virtualStart = Instant.ofEpochMilli(env.currentTimeMillis());
    WorkflowUpdateHandle<VmRecord> stop = WorkflowStub.fromTyped(vm)
        .startUpdate("stop", WorkflowUpdateStage.ACCEPTED, VmRecord.class, StopRequest.graceful(60));
    assertEquals(VmState.STOPPING, vm.describe().state());
    env.sleep(Duration.ofSeconds(61));
    VmRecord stopped = stop.getResult(10, TimeUnit.SECONDS);
    assertEquals(VmState.STOPPED, stopped.state());
    assertEquals(1, host.powerdowns.get());
    assertEquals(1, host.kills.get());
    // The stop succeeded, and its record says the guest had to be forced off (lifecycle test runs read this).
    OperationRecord last = stopped.recentOperations().get(stopped.recentOperations().size() - 1);
    assertEquals("forced off: the guest did not power off within 60 s", last.outcome());
    assertTrue(last.forcedOff());
    assertEquals(List.of("FIRED"), timerEnds("stubborn", "graceful shutdown timeout (60 s)"));
    Duration virtual = Duration.between(virtualStart, Instant.ofEpochMilli(env.currentTimeMillis()));
    Duration real = Duration.ofNanos(System.nanoTime() - realStart);
    System.out.printf("stubborn stop: %d s of workflow time in %d ms of real time%n", virtual.toSeconds(), real.toMillis());
    assertTrue(virtual.toSeconds() >= 60, "the timer ran its 60 s of workflow time");
    assertTrue(real.toSeconds() < 20, "time skipping makes the 60 s wait fast");
  }

  @Test
  void illegalTransitionsAreRejectedBeforeAnythingIsWritten() {
    // The monitor watches as a real one does: one that ended at once would have the workflow start
    // its retry timer at any moment, between the two reads of the history too.
    host.monitorWatchLimit = Duration.ofSeconds(60);
    VmWorkflow vm = create("idle", false);
    assertEquals(VmState.CREATED, vm.awaitCreated(null).state());
    List<String> before = historyWithoutTasks("idle");
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, vm::pause);
    ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(FailureReasons.ILLEGAL_TRANSITION, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("is CREATED"), failure.getOriginalMessage());
    assertThrows(WorkflowUpdateException.class, vm::resume);
    assertThrows(WorkflowUpdateException.class, vm::reboot);
    assertEquals(before, historyWithoutTasks("idle"), "a rejected update leaves no trace in history");
    assertEquals(VmState.CREATED, vm.describe().state());
    assertEquals("prelaunch", vm.describe().qemuRunState());
    vm.delete(DeleteRequest.ALL); // its QEMU ends, and the monitor with it
  }

  @Test
  void twoConcurrentStopsDoOneStop() throws Exception {
    host.powerdownDelay = Duration.ofMillis(300);
    VmWorkflow vm = create("twice", true);
    vm.awaitCreated(null);
    WorkflowStub stub = WorkflowStub.fromTyped(vm);
    WorkflowUpdateHandle<VmRecord> first = stub.startUpdate("stop", WorkflowUpdateStage.ACCEPTED, VmRecord.class, StopRequest.graceful(60));
    WorkflowUpdateHandle<VmRecord> second = stub.startUpdate("stop", WorkflowUpdateStage.ACCEPTED, VmRecord.class, StopRequest.graceful(60));
    assertEquals(VmState.STOPPED, first.getResult(10, TimeUnit.SECONDS).state());
    VmRecord after = second.getResult(10, TimeUnit.SECONDS);
    assertEquals(VmState.STOPPED, after.state());
    assertEquals(1, host.powerdowns.get(), "one power button press");
    assertEquals(0, host.kills.get());
    assertTrue(after.recentOperations().stream().anyMatch(op -> op.outcome().startsWith("nothing to do")));
  }

  @Test
  void creationAnswersTheRequestThatCreatedTheVmAndRefusesAnother() {
    VmWorkflow vm = create("taken", true);
    assertEquals(VmState.RUNNING, vm.awaitCreated("req-taken").state(), "a retry of the creating request gets the VM");
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, () -> vm.awaitCreated("another-request"));
    ApplicationFailure failure = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(FailureReasons.NAME_TAKEN, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("req-taken"), failure.getOriginalMessage());
    assertEquals(1, host.spawns.get());
  }

  /**
   * Creation as the gateway sends it, the workflow's start and the creating update in one call
   * (update-with-start); answers with how the update failed. A creation the host refuses ends the
   * workflow at once: an update sent after the start could find it closed already.
   */
  private ApplicationFailure refusedCreation(String name, VmSpec spec) {
    WorkflowUpdateHandle<VmRecord> created = new VmWorkflowClient(client, Duration.ofSeconds(5)).create(name, spec, "req-" + name, true, HOST,
        UpdateOptions.<VmRecord>newBuilder().setWaitForStage(WorkflowUpdateStage.ACCEPTED).build());
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, created::getResult);
    return assertInstanceOf(ApplicationFailure.class, e.getCause());
  }

  @Test
  void aSpecTheHostRefusesEndsTheWorkflowAndFreesTheName() throws Exception {
    host.refusedPath = "/etc/shadow";
    ApplicationFailure failure = refusedCreation("evil", spec("evil").withKernel("/etc/shadow", null, null));
    VmWorkflow vm = client.newWorkflowStub(VmWorkflow.class, TaskQueues.workflowId("evil"));
    assertEquals(FailureReasons.INVALID_SPEC, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("spec.kernel"));
    VmRecord result = WorkflowStub.fromTyped(vm).getResult(5, TimeUnit.SECONDS, VmRecord.class);
    assertEquals(VmState.DELETED, result.state());
    assertEquals(0, host.spawns.get());
  }

  @Test
  void aHostWithoutRoomRefusesTheVmAndTheNameStaysFree() throws Exception {
    host.full = true;
    ApplicationFailure failure = refusedCreation("roomless", spec("roomless"));
    VmWorkflow vm = client.newWorkflowStub(VmWorkflow.class, TaskQueues.workflowId("roomless"));
    assertEquals(FailureReasons.HOST_FULL, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("max VMs"), failure.getOriginalMessage());
    assertEquals(VmState.DELETED, WorkflowStub.fromTyped(vm).getResult(5, TimeUnit.SECONDS, VmRecord.class).state());
  }

  // A host that does not pick up its work, busy or unreachable by its host workflow's word: BusyHostTest.

  @Test
  void aCreationThatFailsAfterItsSpawnEndsTheQemuItStarted() throws Exception {
    host.contTimesOut = true; // QEMU starts, then its monitor does not answer cont
    VmWorkflow vm = create("hung", true);
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, () -> vm.awaitCreated(null));
    assertEquals(FailureReasons.HOST_TIMEOUT, assertInstanceOf(ApplicationFailure.class, e.getCause()).getType());
    for (int i = 0; i < 500 && host.cleanups.get() == 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(1, host.spawns.get());
    assertFalse(host.alive("hung"), "the QEMU the failed creation started is ended");
    assertEquals(1, host.kills.get());
    assertEquals(1, host.cleanups.get(), "and its runtime directory removed");
    VmRecord failed = vm.describe();
    assertEquals(VmState.FAILED, failed.state(), "a creation that failed for the host's own reason stays to be seen, without its QEMU");
    assertEquals(List.of(), fleet.released, "a FAILED VM holds its room until it is deleted");
    assertEquals(VmState.DELETED, vm.delete(DeleteRequest.ALL).state());
  }

  // --- placement and the host's liveness --------------------------------------------------------

  @Test
  void aPlacedVmIsToldWhenItsHostStopsReportingAndWhenItReturns() throws Exception {
    host.monitorWatchLimit = Duration.ofSeconds(60); // the monitor the host's return renews must still be on (see FakeHost)
    VmWorkflow vm = create("placed", true, null, spec("placed"));
    VmRecord created = vm.awaitCreated(null);
    assertEquals(HOST, created.hostId(), "the host placement chose");
    assertEquals("spread: host h1 (fake)", created.placement());
    assertEquals(List.of("placed on  by SPREAD"), fleet.asked, "no host named: placement chooses");
    WorkflowStub stub = WorkflowStub.fromTyped(vm);
    assertEquals(HOST, stub.describe().getTypedSearchAttributes().get(VmSearchAttributes.HOST));
    String details = stub.query("__temporal_workflow_metadata", WorkflowMetadata.class).getCurrentDetails();
    assertTrue(details.startsWith("**placed** on host `h1`: RUNNING") && details.endsWith("\n\nplacement: spread: host h1 (fake)"), details);
    for (int i = 0; i < 500 && host.monitors.get() == 0; i++) {
      Thread.sleep(10);
    }
    int monitors = host.monitors.get();
    assertEquals(1, monitors, "its monitor watches QEMU");

    // A migration's target holds room for the VM too, and its host workflow tells the VM when it is lost: not the VM's news.
    stub.signal(HostEvent.SIGNAL, new HostEvent("placed", 0, HostEvent.HOST_UNREACHABLE, null, Instant.now(),
        "host h2 unreachable: its worker has not reported for 30 s", "h2"));
    VmRecord elsewhere = vm.describe();
    assertEquals(null, elsewhere.hostUnreachableSince(), "another host's loss leaves the VM as it is: " + elsewhere.stateReason());
    assertEquals("RUNNING", stub.describe().getTypedSearchAttributes().get(VmSearchAttributes.STATE));

    stub.signal(HostEvent.SIGNAL, new HostEvent("placed", 0, HostEvent.HOST_UNREACHABLE, null, Instant.now(),
        "host h1 unreachable: its worker has not reported for 30 s", HOST));
    VmRecord lost = vm.describe();
    assertEquals(VmState.RUNNING, lost.state(), "the last state seen is kept");
    assertTrue(lost.hostUnreachableSince() != null);
    assertEquals("host h1 unreachable: its worker has not reported for 30 s", lost.stateReason());
    assertEquals("HOST_UNREACHABLE", stub.describe().getTypedSearchAttributes().get(VmSearchAttributes.STATE));

    stub.signal(HostEvent.SIGNAL, new HostEvent("placed", 0, HostEvent.HOST_REACHABLE, null, Instant.now(), "host h1 reports again"));
    VmRecord back = vm.describe();
    assertEquals(null, back.hostUnreachableSince());
    assertEquals("host h1 reports again; last seen RUNNING, its monitor renewed", back.stateReason());
    for (int i = 0; i < 200 && host.monitors.get() == monitors; i++) {
      Thread.sleep(10);
    }
    assertEquals(monitors + 1, host.monitors.get(), "a new monitor watches QEMU at once");
    assertEquals(List.of(), fleet.released);

    assertEquals(VmState.DELETED, vm.delete(DeleteRequest.ALL).state());
    assertEquals(List.of("placed@h1"), fleet.released, "its room goes back with it");
    record("placed", "vm-placed");
  }

  @Test
  void aNamedHostIsAskedForAndARefusedPlacementLeavesNoVm() throws Exception {
    VmWorkflow named = create("named", false);
    assertEquals(HOST, named.awaitCreated(null).hostId());
    assertEquals("host h1 named by the request (fake)", named.describe().placement());
    assertEquals(List.of("named on h1 by SPREAD"), fleet.asked);

    fleet.refusalType = FailureReasons.NO_HOST_FITS;
    fleet.refusalMessage = "no host has 2048 MiB of memory free (most: h2, 1536 MiB)";
    ApplicationFailure failure = refusedCreation("roomless", spec("roomless"));
    assertEquals(FailureReasons.NO_HOST_FITS, failure.getType(), "the fleet's reason passes through");
    VmRecord result = WorkflowStub.fromTyped(client.newWorkflowStub(VmWorkflow.class, TaskQueues.workflowId("roomless")))
        .getResult(5, TimeUnit.SECONDS, VmRecord.class);
    assertEquals(VmState.DELETED, result.state());
    assertEquals("creation refused: no host has 2048 MiB of memory free (most: h2, 1536 MiB)", result.stateReason());
    assertEquals(1, host.spawns.get(), "nothing spawned for the refused VM");
    assertEquals(List.of(), fleet.released, "it held no room");
  }

  @Test
  void aSpawnTheHostRefusesGivesThePlacedRoomBack() throws Exception {
    host.full = true;
    assertEquals(FailureReasons.HOST_FULL, refusedCreation("refused", spec("refused")).getType());
    WorkflowStub.fromTyped(client.newWorkflowStub(VmWorkflow.class, TaskQueues.workflowId("refused"))).getResult(5, TimeUnit.SECONDS, VmRecord.class);
    assertEquals(List.of("refused@h1"), fleet.released);
  }

  @Test
  void aVmCreatedBeforePlacementHoldsNoRoomToGiveBack() {
    VmRecord carried = new VmRecord("older", "older", "req", spec("older"), HOST, VmState.STOPPED, "the guest powered off", "", 0,
        Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"), List.of(), 7, null);
    VmWorkflow vm = client.newWorkflowStub(VmWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(TaskQueues.workflowId("older")).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(vm::run, new VmWorkflowInput("older", "older", "req", spec("older"), HOST, true, null, carried));
    assertEquals(VmState.DELETED, vm.delete(DeleteRequest.ALL).state());
    assertEquals(List.of(), fleet.asked);
    assertEquals(List.of(), fleet.released);
  }

  @Test
  void hostEventsMoveTheStateAndStaleOnesAreIgnored() throws Exception {
    VmWorkflow vm = create("watched", true);
    long pid = vm.awaitCreated(null).pid();
    WorkflowStub stub = WorkflowStub.fromTyped(vm);

    stub.signal("hostEvent", new HostEvent("watched", pid + 1, HostEvent.EXITED,
        host.observed(new VmStatus("watched", VmState.CRASHED, "", pid + 1, false, "an older QEMU"), pid + 1), Instant.now(), ""));
    assertEquals(VmState.RUNNING, vm.describe().state(), "an event about another QEMU changes nothing");
    stub.signal("hostEvent", new HostEvent("watched", pid, HostEvent.EXITED,
        new VmStatus("watched", VmState.CRASHED, "", pid, false, "a reused pid").of(pid, host.startTime(pid) + 1, Long.MAX_VALUE - 1),
        Instant.now(), ""));
    assertEquals(VmState.RUNNING, vm.describe().state(), "an event about another process with the same pid changes nothing");

    stub.signal("hostEvent", new HostEvent("watched", pid, "STOP",
        host.observed(new VmStatus("watched", VmState.PAUSED, "paused", pid, true, "guest vCPUs are paused"), pid), Instant.now(), ""));
    assertEquals(VmState.PAUSED, vm.describe().state());
    assertEquals("paused", vm.describe().qemuRunState());

    host.vanish("watched");
    stub.signal("hostEvent", new HostEvent("watched", pid, HostEvent.EXITED,
        host.observed(new VmStatus("watched", VmState.CRASHED, "", pid, false, "QEMU exited without a shutdown event"), pid),
        Instant.now(), ""));
    VmRecord crashed = vm.describe();
    assertEquals(VmState.CRASHED, crashed.state());
    assertEquals(0, crashed.pid());
    assertEquals(VmState.RUNNING, vm.start().state(), "a crashed VM starts again");
    assertTrue(host.monitors.get() >= 1, "a monitor was started for the running QEMU");
    record("watched", "vm-crash");
  }

  @Test
  void aReportObservedBeforeWhatWasAppliedNeverTakesTheStateBack() {
    VmWorkflow vm = create("ordered", false);
    assertEquals(VmState.CREATED, vm.awaitCreated(null).state());
    // The monitor looked at QEMU before StartVm's cont, and its report reaches the workflow after it.
    VmStatus seenBeforeCont = host.queryStatus("ordered");
    assertEquals(VmState.RUNNING, vm.start().state());
    WorkflowStub.fromTyped(vm).signal("hostEvent",
        new HostEvent("ordered", seenBeforeCont.pid(), HostEvent.ATTACHED, seenBeforeCont, Instant.now(), "late"));
    assertEquals(VmState.PAUSED, vm.pause().state(), "PauseVm right after StartVm is not refused");
    VmWatch watch = vm.watch(0);
    List<VmState> states = watch.changes().stream().map(StateChange::state).toList();
    assertEquals(List.of(VmState.CREATING, VmState.CREATED, VmState.RUNNING, VmState.PAUSED), states,
        "no state the VM did not pass through: " + states);
  }

  @Test
  void anExitTheMonitorSeesDuringAnOperationIsAppliedWhenItEnds() {
    VmWorkflow vm = create("dies", true);
    long pid = vm.awaitCreated(null).pid();
    WorkflowStub stub = WorkflowStub.fromTyped(vm);
    // QEMU dies right after PauseVm's own observation, and the monitor's report of the exit
    // reaches the workflow while the pause is still running.
    host.afterPause = () -> {
      host.vanish("dies");
      stub.signal("hostEvent", new HostEvent("dies", pid, HostEvent.EXITED,
          host.observed(new VmStatus("dies", VmState.CRASHED, "", pid, false, "QEMU exited without a shutdown event"), pid),
          Instant.now(), ""));
    };
    VmRecord answered = vm.pause();
    assertEquals(VmState.CRASHED, answered.state(), "PauseVm answers with the VM as it ended up");
    assertTrue(answered.recentOperations().stream().anyMatch(op -> op.name().equals("pause") && op.outcome().equals("ok")));
    VmRecord after = vm.describe();
    assertEquals(VmState.CRASHED, after.state(), "the exit is not lost: " + after.stateReason());
    assertEquals(0, after.pid());
  }

  @Test
  void aContinuedWorkflowCarriesItsStateWithoutTouchingTheHost() throws Exception {
    VmRecord carried = new VmRecord("kept", "kept", "req", spec("kept"), HOST, VmState.STOPPED, "the guest powered off", "", 0,
        Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z"), List.of(), 7, null);
    VmWorkflow vm = client.newWorkflowStub(VmWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(TaskQueues.workflowId("kept")).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(vm::run, new VmWorkflowInput("kept", "kept", "req", spec("kept"), HOST, true, null, carried));
    assertEquals(VmState.STOPPED, vm.awaitCreated(null).state());
    assertEquals(0, host.spawns.get());
    assertEquals(VmState.RUNNING, vm.start().state());
    record("kept", "vm-continued");
  }

  // --- disks of the VM's own and snapshots ----------------------------------------------------

  /** A VM whose disk is an overlay of image "base" in its own VM directory. */
  private static VmSpec imaged(String name) {
    return spec(name).withDisks(List.of(DiskSpec.fromImage("base", 0)));
  }

  private static SnapshotRequest named(String snapshot) {
    return SnapshotRequest.named(snapshot);
  }

  /** The failure an update was refused with: its type and message. */
  private static ApplicationFailure refused(Executable update) {
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, update);
    return assertInstanceOf(ApplicationFailure.class, e.getCause());
  }

  private static List<String> names(VmRecord vm) {
    return vm.snapshots().stream().map(Snapshot::name).toList();
  }

  private static OperationRecord lastOperation(VmRecord vm) {
    return vm.recentOperations().get(vm.recentOperations().size() - 1);
  }

  @Test
  void aRunningVmIsSnapshottedWithItsMemoryAndReturnedToIt() throws Exception {
    VmWorkflow vm = create("snap", true, HOST, imaged("snap").withReadiness(new ReadinessProbe("NEVER-PRINTED", 300)));
    vm.awaitCreated(null);
    VmRecord taken = vm.snapshot(named("booted"));
    assertEquals(VmState.RUNNING, taken.state(), "the guest runs on");
    Snapshot booted = taken.snapshots().get(0);
    assertTrue(booted.withMemory(), "taken while QEMU ran: RAM and disks");
    assertTrue(booted.vmStateBytes() > 0);
    assertEquals("snapshot", lastOperation(taken).name());
    assertTrue(lastOperation(taken).outcome().startsWith("ok: booted: RAM ("), lastOperation(taken).outcome());
    assertEquals(List.of("booted"), WorkflowStub.fromTyped(vm).describe().getMemo("snapshots", List.class), "the memo lists them");
    String details = WorkflowStub.fromTyped(vm).query("__temporal_workflow_metadata", WorkflowMetadata.class).getCurrentDetails();
    assertTrue(details.contains("snapshots, oldest first:\n- booted: RAM ("), details);
    assertEquals(GuestReadiness.Status.WAITING, taken.readiness().status(), "the boot's wait goes on");

    assertEquals(VmState.PAUSED, vm.pause().state());
    VmRecord restored = vm.restoreSnapshot(named("booted"));
    assertEquals(VmState.RUNNING, restored.state(), "as it was when taken");
    assertEquals(taken.pid(), restored.pid(), "the same QEMU loaded it");
    assertTrue(restored.stateReason().startsWith("returned to snapshot booted"), restored.stateReason());
    assertEquals(null, restored.readiness(), "the restored guest is whatever it was: the boot's wait is over");
    assertEquals(List.of("booted"), names(restored), "a restored snapshot stays");
    assertEquals(List.of("create", "snapshot", "pause", "restoreSnapshot"), restored.recentOperations().stream().map(OperationRecord::name).toList());
  }

  @Test
  void aStoppedVmIsSnapshottedDiskOnlyAndItsDisksReturnedWhileItStaysStopped() {
    VmWorkflow vm = create("cold", false, HOST, imaged("cold"));
    assertEquals(VmState.CREATED, vm.awaitCreated(null).state());
    assertFalse(vm.snapshot(named("fresh")).snapshots().get(0).withMemory(), "QEMU has not started the guest: disks only");
    assertEquals(VmState.STOPPED, vm.stop(StopRequest.forced()).state());
    VmRecord taken = vm.snapshot(named("cold"));
    assertEquals(VmState.STOPPED, taken.state());
    assertEquals(List.of("fresh", "cold"), names(taken), "oldest first");
    assertFalse(taken.snapshots().get(1).withMemory());

    VmRecord restored = vm.restoreSnapshot(named("fresh"));
    assertEquals(VmState.STOPPED, restored.state());
    assertEquals("the disks were returned to snapshot fresh; a start boots them", restored.stateReason());
    assertEquals(VmState.RUNNING, vm.start().state(), "a start boots the returned disks");
  }

  @Test
  void snapshotUpdatesTheVmCannotRunAreRefusedBeforeAnythingIsWritten() {
    host.monitorWatchLimit = Duration.ofSeconds(60); // see illegalTransitionsAreRejectedBeforeAnythingIsWritten
    VmWorkflow vm = create("picky", false, HOST, imaged("picky"));
    vm.awaitCreated(null);
    assertFalse(vm.snapshot(named("disks")).snapshots().get(0).withMemory(), "the guest never ran: its disks alone");
    // Started by letting the same QEMU run, so its monitor goes on (one that ended now would write its end at any moment).
    assertEquals(VmState.RUNNING, vm.start().state());
    List<String> before = historyWithoutTasks("picky");

    ApplicationFailure diskOnly = refused(() -> vm.restoreSnapshot(named("disks")));
    assertEquals(FailureReasons.SNAPSHOT_UNSUPPORTED, diskOnly.getType());
    assertTrue(diskOnly.getOriginalMessage().contains("stop the VM"), diskOnly.getOriginalMessage());
    assertEquals(FailureReasons.SNAPSHOT_EXISTS, refused(() -> vm.snapshot(named("disks"))).getType());
    ApplicationFailure badName = refused(() -> vm.snapshot(named("../etc")));
    assertEquals(FailureReasons.INVALID_SPEC, badName.getType());
    assertTrue(badName.getOriginalMessage().startsWith("snapshot: "), badName.getOriginalMessage());
    assertEquals(FailureReasons.INVALID_SPEC, refused(() -> vm.snapshot(null)).getType());
    assertEquals(FailureReasons.SNAPSHOT_NOT_FOUND, refused(() -> vm.restoreSnapshot(named("nope"))).getType());
    assertEquals(FailureReasons.SNAPSHOT_NOT_FOUND, refused(() -> vm.deleteSnapshot(named("nope"))).getType());

    assertEquals(before, historyWithoutTasks("picky"), "a refused update leaves no trace in history");
    assertEquals(VmState.RUNNING, vm.describe().state());
    assertEquals(1, host.snapshotJobs.size(), "the host saw only the one snapshot taken");
    vm.delete(DeleteRequest.ALL);
  }

  @Test
  void aVmWithoutDisksOfItsOwnHasNothingToSnapshot() {
    VmWorkflow vm = create("pathed", true, HOST, spec("pathed").withDisks(List.of(new DiskSpec("/images/d.qcow2", DiskFormat.QCOW2, false))));
    vm.awaitCreated(null);
    ApplicationFailure failure = refused(() -> vm.snapshot(named("s")));
    assertEquals(FailureReasons.SNAPSHOT_UNSUPPORTED, failure.getType());
    assertTrue(failure.getOriginalMessage().contains("no disk of its own"), failure.getOriginalMessage());
    VmWorkflow raw = create("raw", true, HOST, imaged("raw").withDisks(List.of(DiskSpec.fromImage("base", 0),
        new DiskSpec("/images/scratch.img", DiskFormat.RAW, false))));
    raw.awaitCreated(null);
    ApplicationFailure writesRaw = refused(() -> raw.snapshot(named("s")));
    assertEquals(FailureReasons.SNAPSHOT_UNSUPPORTED, writesRaw.getType());
    assertTrue(writesRaw.getOriginalMessage().contains("spec.disks[1], a raw file"), writesRaw.getOriginalMessage());
    assertEquals(0, host.snapshotJobs.size());
  }

  @Test
  void aVmHoldsAtMostItsBoundOfSnapshots() {
    VmWorkflow vm = create("hoarder", false, HOST, imaged("hoarder"));
    vm.awaitCreated(null);
    for (int i = 0; i < SnapshotRequest.MAX_SNAPSHOTS; i++) {
      vm.snapshot(named("s" + i));
    }
    ApplicationFailure full = refused(() -> vm.snapshot(named("one-more")));
    assertEquals(FailureReasons.SNAPSHOT_LIMIT, full.getType());
    assertTrue(full.getOriginalMessage().contains("(" + SnapshotRequest.MAX_SNAPSHOTS + "): delete one first"), full.getOriginalMessage());
    vm.deleteSnapshot(named("s0"));
    assertEquals(SnapshotRequest.MAX_SNAPSHOTS, vm.snapshot(named("one-more")).snapshots().size());
  }

  @Test
  void aDeletedSnapshotLeavesTheVmAndItsHost() {
    VmWorkflow vm = create("pruned", true, HOST, imaged("pruned"));
    vm.awaitCreated(null);
    vm.snapshot(named("a"));
    vm.snapshot(named("b"));
    VmRecord after = vm.deleteSnapshot(named("a"));
    assertEquals(List.of("b"), names(after));
    assertEquals(List.of("b"), host.listSnapshots("pruned", imaged("pruned")).stream().map(Snapshot::name).toList());
    assertEquals(VmState.RUNNING, after.state());
    assertEquals(FailureReasons.SNAPSHOT_NOT_FOUND, refused(() -> vm.restoreSnapshot(named("a"))).getType());
  }

  @Test
  void aSnapshotJobRetriedAfterItsWorkerDiedKeepsItsId() {
    VmWorkflow vm = create("retried", true, HOST, imaged("retried"));
    vm.awaitCreated(null);
    host.snapshotAttemptsLost.set(1);
    assertEquals(List.of("kept"), names(vm.snapshot(named("kept"))));
    host.snapshotAttemptsLost.set(1);
    assertEquals(VmState.RUNNING, vm.restoreSnapshot(named("kept")).state());
    List<String> jobs = host.snapshotJobs;
    assertEquals(4, jobs.size(), "two attempts each: " + jobs);
    assertEquals(jobs.get(0), jobs.get(1), "the retry asks for the job its first attempt started");
    assertEquals(jobs.get(2), jobs.get(3));
    assertTrue(jobs.get(0).startsWith("snapshot-") && jobs.get(2).startsWith("restoreSnapshot-"), jobs.toString());
    assertFalse(jobs.get(0).equals(jobs.get(2)), "every operation has a job of its own");
  }

  @Test
  void aSnapshotTheHostHadFromBeforeIsListedOnceTheHostSaysSo() {
    VmWorkflow vm = create("kept-disks", true, HOST, imaged("kept-disks"));
    vm.awaitCreated(null);
    host.holdSnapshot("kept-disks", "old");
    ApplicationFailure failure = refused(() -> vm.snapshot(named("old")));
    assertEquals(FailureReasons.SNAPSHOT_EXISTS, failure.getType(), "the host's reason passes through");
    VmRecord after = vm.describe();
    assertEquals(List.of("old"), names(after), "the host's list replaced the record's");
    assertTrue(lastOperation(after).outcome().startsWith("failed: "), lastOperation(after).outcome());
  }

  @Test
  void snapshotOperationsAreIllegalWhileAnotherOperationMovesTheVm() throws Exception {
    host.stubborn = true;
    VmWorkflow vm = create("moving", true, HOST, imaged("moving"));
    vm.awaitCreated(null);
    vm.snapshot(named("a"));
    WorkflowUpdateHandle<VmRecord> stop = WorkflowStub.fromTyped(vm)
        .startUpdate("stop", WorkflowUpdateStage.ACCEPTED, VmRecord.class, StopRequest.graceful(60));
    assertEquals(VmState.STOPPING, vm.describe().state());
    for (Executable update : List.<Executable>of(() -> vm.snapshot(named("b")), () -> vm.restoreSnapshot(named("a")),
        () -> vm.deleteSnapshot(named("a")))) {
      ApplicationFailure failure = refused(update);
      assertEquals(FailureReasons.ILLEGAL_TRANSITION, failure.getType());
      assertTrue(failure.getOriginalMessage().contains("is STOPPING: cannot "), failure.getOriginalMessage());
      assertEquals("CREATED,RUNNING,PAUSED,STOPPED,CRASHED", failure.getDetails().get(2, String.class), "the states that allow it");
    }
    env.sleep(Duration.ofSeconds(61));
    assertEquals(VmState.STOPPED, stop.getResult(10, TimeUnit.SECONDS).state());
    assertEquals(List.of("a"), names(vm.describe()));
  }

  @Test
  void aVmWithDisksOfItsOwnTakesThemAlongWhenDeletedUnlessTheyAreKept() throws Exception {
    VmWorkflow gone = create("gone", true, HOST, imaged("gone"));
    gone.awaitCreated(null);
    assertEquals(VmState.DELETED, gone.delete(DeleteRequest.ALL).state());
    assertEquals(1, host.disksRemoved.size());
    assertEquals(1, host.cleanups.get());

    VmWorkflow kept = create("kept", true, HOST, imaged("kept"));
    kept.awaitCreated(null);
    VmRecord deleted = kept.delete(new DeleteRequest(true));
    assertEquals(VmState.DELETED, deleted.state());
    assertTrue(deleted.stateReason().contains("its own disks are kept"), deleted.stateReason());
    assertEquals(1, host.disksRemoved.size(), "kept");
    assertEquals(2, host.cleanups.get(), "the runtime directory goes all the same");

    VmWorkflow old = create("recorded", true, HOST, imaged("recorded"));
    old.awaitCreated(null);
    WorkflowStub.fromTyped(old).update("delete", VmRecord.class, (Object) null); // as histories recorded before the request had one
    assertEquals(2, host.disksRemoved.size(), "no request: everything goes");
  }

  @Test
  void aLifecycleWithSnapshots() throws Exception {
    VmWorkflow vm = create("snapshots", true, HOST, imaged("snapshots"));
    vm.awaitCreated(null);
    host.snapshotAttemptsLost.set(1);
    vm.snapshot(named("booted"));
    vm.pause();
    assertEquals(VmState.RUNNING, vm.restoreSnapshot(named("booted")).state());
    vm.stop(StopRequest.forced());
    vm.snapshot(named("cold"));
    assertEquals(VmState.STOPPED, vm.restoreSnapshot(named("cold")).state());
    vm.start();
    vm.deleteSnapshot(named("cold"));
    assertEquals(List.of("booted"), names(vm.describe()));
    vm.delete(DeleteRequest.ALL);
    assertEquals(1, host.disksRemoved.size());
    record("snapshots", "vm-snapshots");
  }
}
