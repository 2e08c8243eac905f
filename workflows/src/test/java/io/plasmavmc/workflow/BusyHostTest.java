package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.host.HostEvent;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.TimeoutType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host that does not pick up its VMs' work (issue 20): busy while it reports, so an operation
 * waits for it up to its deadline and then fails HOST_BUSY; unreachable only once its host
 * workflow says its worker stopped reporting (here the test sends that word, as HostLiveness
 * would). The host's worker polls with one poller: once suspended, the one poll it may have had
 * under way is taken by a decoy's task, and then nothing more is picked up until it resumes. Waits on
 * updates run in real time (the test server does not skip time for them): a few seconds each.
 */
class BusyHostTest {
  private static final String HOST = VmWorkflowTest.HOST;
  /** How long host work waits in the queue before the workflow looks at the host again: short, so the tests are. */
  private static final Duration HOST_TIMEOUT = Duration.ofSeconds(2);

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
    hostWorker = env.newWorker(TaskQueues.host(HOST), WorkerOptions.newBuilder().setMaxConcurrentActivityTaskPollers(1).build());
    hostWorker.registerActivitiesImplementations(host);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  /** A started VM on {@code hostId} (named, so the fake fleet places it there), its creation waiting at most {@code createTimeout}. */
  private VmWorkflow create(String name, String hostId, Duration createTimeout) {
    VmWorkflow vm = client.newWorkflowStub(VmWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(TaskQueues.workflowId(name)).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(vm::run, new VmWorkflowInput(name, name, "req-" + name, VmWorkflowTest.spec(name), hostId, true, HOST_TIMEOUT,
        null, null, createTimeout));
    return vm;
  }

  private List<HistoryEvent> history(String name) {
    return client.fetchHistory(TaskQueues.workflowId(name)).getEvents();
  }

  /** How many activities of each type the VM's workflow scheduled. */
  private Map<String, Long> scheduled(String name) {
    return history(name).stream().filter(event -> event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(event -> event.getActivityTaskScheduledEventAttributes().getActivityType().getName())
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
  }

  /** How many of the VM's activities were not picked up in time. */
  private long notPickedUp(String name) {
    return history(name).stream().filter(event -> event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT)
        .filter(event -> event.getActivityTaskTimedOutEventAttributes().getFailure().getTimeoutFailureInfo().getTimeoutType()
            == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)
        .count();
  }

  private static ApplicationFailure failure(WorkflowUpdateException e) {
    return assertInstanceOf(ApplicationFailure.class, e.getCause());
  }

  private void record(String vm, String fixture) throws IOException {
    TestEnvironments.record(client, TaskQueues.workflowId(vm), fixture);
  }

  /**
   * Suspends the host worker's polling and makes sure no poll of it is still under way: a decoy's
   * spawn either takes the one that was, or, there being none, times out in the queue. Either way
   * the suspended worker picks up nothing after it.
   */
  private void suspendHostWorker() throws InterruptedException {
    hostWorker.suspendPolling();
    create("decoy", HOST, null);
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!host.spawned.contains("decoy") && notPickedUp("decoy") == 0 && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertTrue(host.spawned.contains("decoy") || notPickedUp("decoy") > 0, "the decoy took the poll under way, or found none");
  }

  @Test
  void aCreationTheHostDoesNotPickUpBeforeItsDeadlineIsRefusedAsBusyNotUnreachable() throws Exception {
    suspendHostWorker(); // nothing says the host stopped reporting: from the VM's side, a host too busy to poll
    long began = System.nanoTime();
    VmWorkflow vm = create("burst", HOST, Duration.ofSeconds(7));
    ApplicationFailure busy = failure(assertThrows(WorkflowUpdateException.class, () -> vm.awaitCreated(null)));
    long waited = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began);

    assertEquals(FailureReasons.HOST_BUSY, busy.getType());
    assertTrue(busy.getOriginalMessage().startsWith(
        "host h1 is busy: its worker reports but did not pick up \"spawn QEMU and start the guest (create)\" within "),
        busy.getOriginalMessage());
    assertTrue(busy.getOriginalMessage().endsWith("nothing was done, retry later"), busy.getOriginalMessage());
    assertTrue(waited >= 5 && waited < 60, "waited for the host up to the creation's deadline (7 s), not its timeout (2 s): " + waited);
    assertTrue(scheduled("burst").get("HostSpawnAndStart") >= 3, "the spawn is asked again while the host is busy: " + scheduled("burst"));

    VmRecord refused = vm.describe();
    assertEquals(VmState.DELETED, refused.state(), "a creation the host did not take leaves no VM: " + refused.stateReason());
    assertTrue(refused.stateReason().startsWith("creation refused: host h1 is busy"), refused.stateReason());
    assertNull(refused.hostUnreachableSince(), "busy is not unreachable");
    // The clean-up asks the busy host to end any QEMU a late spawn may have started; the room the VM
    // reserved is held until the host has done so.
    for (int i = 0; i < 500 && !scheduled("burst").containsKey("HostKill"); i++) {
      Thread.sleep(10);
    }
    assertTrue(scheduled("burst").containsKey("HostKill"), "the clean-up asked for a kill: " + scheduled("burst"));
    assertEquals(List.of(), fleet.released, "the room is held while a late QEMU may still be there");

    hostWorker.resumePolling();
    assertEquals(VmState.DELETED, WorkflowStub.fromTyped(vm).getResult(30, TimeUnit.SECONDS, VmRecord.class).state());
    assertEquals(List.of("burst@h1"), fleet.released, "the room goes back once the host is clear of the VM");
    assertFalse(host.spawned.contains("burst"), "nothing of the refused creation ran: " + host.spawned);
    assertFalse(host.alive("burst"));
    record("burst", "vm-busy-host-refused");
  }

  @Test
  void aBusyHostThatPicksUpBeforeTheDeadlineCreatesTheVm() throws Exception {
    suspendHostWorker();
    VmWorkflow vm = create("patient", HOST, Duration.ofSeconds(60));
    CompletableFuture<VmRecord> created = CompletableFuture.supplyAsync(() -> vm.awaitCreated(null));
    // The event itself: two of its spawns timed out in the queue of a host that still reports.
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (notPickedUp("patient") < 2 && System.nanoTime() < end) {
      Thread.sleep(100);
    }

    assertFalse(created.isDone(), "still waiting for the busy host");
    VmRecord waiting = vm.describe();
    assertEquals(VmState.CREATING, waiting.state());
    assertNull(waiting.hostUnreachableSince());
    assertTrue(notPickedUp("patient") >= 2, "its spawn was not picked up in time, and asked again");

    hostWorker.resumePolling();
    VmRecord running = created.get(30, TimeUnit.SECONDS);
    assertEquals(VmState.RUNNING, running.state(), running.stateReason());
    assertEquals(1, Collections.frequency(host.spawned, "patient"), "this VM spawned once: " + host.spawned);
    assertTrue(Collections.frequency(host.spawned, "decoy") <= 1, "and the decoy at most once: " + host.spawned);
    assertEquals(VmState.STOPPED, vm.stop(StopRequest.forced()).state());
    assertEquals(VmState.DELETED, vm.delete(DeleteRequest.ALL).state());
    record("patient", "vm-busy-host");
  }

  @Test
  void aHostWhoseWorkflowSaysItStoppedReportingFailsTheOperationAsUnavailableUntilItReturns() throws Exception {
    VmWorkflow vm = create("away", HOST, null);
    assertEquals(VmState.RUNNING, vm.awaitCreated(null).state());
    hostWorker.suspendPolling();
    // The one poll under way takes the next monitor; after it the host picks up nothing for a minute, its
    // monitor asked again and again.
    env.sleep(Duration.ofSeconds(60));
    VmRecord silent = vm.describe();
    assertEquals(VmState.RUNNING, silent.state());
    assertNull(silent.hostUnreachableSince(), "a host that does not pick up its work is not lost while it reports: " + silent.stateReason());

    WorkflowStub stub = WorkflowStub.fromTyped(vm);
    stub.signal(HostEvent.SIGNAL, new HostEvent("away", 0, HostEvent.HOST_UNREACHABLE, null, Instant.now(),
        "host h1 unreachable: its worker has not reported for 30 s"));
    ApplicationFailure unavailable = failure(assertThrows(WorkflowUpdateException.class, () -> vm.stop(StopRequest.forced())));
    assertEquals(FailureReasons.HOST_UNAVAILABLE, unavailable.getType());
    assertTrue(unavailable.getOriginalMessage().startsWith("host h1 is unreachable: its worker stopped reporting"),
        unavailable.getOriginalMessage());
    VmRecord lost = vm.describe();
    assertEquals(VmState.RUNNING, lost.state(), "not STOPPING: nothing happened on the host");
    assertTrue(lost.hostUnreachableSince() != null);

    hostWorker.resumePolling();
    stub.signal(HostEvent.SIGNAL, new HostEvent("away", 0, HostEvent.HOST_REACHABLE, null, Instant.now(), "host h1 reports again"));
    assertEquals(VmState.STOPPED, vm.stop(StopRequest.forced()).state(), "operations work again");
    assertEquals(VmState.DELETED, vm.delete(DeleteRequest.ALL).state());
    record("away", "vm-host-unreachable");
  }
}
