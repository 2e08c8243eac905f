package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.fleet.HostAdmission;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostSearchAttributes;
import io.plasmavmc.contract.fleet.HostState;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.plasmavmc.contract.fleet.HostWorkflowInput;
import io.plasmavmc.contract.fleet.Reservation;
import io.plasmavmc.contract.fleet.ReserveRequest;
import io.plasmavmc.contract.host.HostEvent;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** HostWorkflow in Temporal's test environment (time skipping), its VMs' workflows and operations faked. */
class HostWorkflowTest {
  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private FakeVmOperations vms;
  private final AtomicLong seq = new AtomicLong();

  @BeforeEach
  void setUp() {
    env = TestEnvironments.withSearchAttributes();
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(HostWorkflowImpl.class, ListeningVm.Impl.class);
    vms = new FakeVmOperations();
    control.registerActivitiesImplementations(vms);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  /** A host of {@code vcpus} cores (admitting twice as many vCPUs), {@code memoryMib} (no overcommit), at most {@code maxVms} VMs. */
  static HostInfo info(String hostId, int vcpus, long memoryMib, int maxVms, Map<String, String> labels) {
    return new HostInfo(hostId, "10.0.0." + Math.floorMod(hostId.hashCode(), 200), vcpus, memoryMib, "kvm", "9.2.0", labels,
        new HostAdmission(maxVms, 1.0, 2.0), Instant.now());
  }

  private HostWorkflow start(String hostId) {
    HostWorkflow host = client.newWorkflowStub(HostWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(HostWorkflow.workflowId(hostId)).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(host::run, new HostWorkflowInput(hostId, null));
    return host;
  }

  private HostWorkflow registered(String hostId, int vcpus, long memoryMib, int maxVms) throws InterruptedException {
    HostWorkflow host = start(hostId);
    host.register(info(hostId, vcpus, memoryMib, maxVms, Map.of()));
    applied(host);
    return host;
  }

  private void report(HostWorkflow host, int vms, long memoryCommittedMib) throws InterruptedException {
    report(host, new HostLoad(vms, vms, memoryCommittedMib, 1024, Instant.now(), seq.incrementAndGet()));
  }

  private void report(HostWorkflow host, HostLoad load) throws InterruptedException {
    host.report(load);
    applied(host);
  }

  /** Waits until the host applied the signals sent to it, so that what follows sees them. */
  private void applied(HostWorkflow host) throws InterruptedException {
    TestEnvironments.awaitSignalsApplied(client, WorkflowStub.fromTyped(host).getExecution().getWorkflowId());
  }

  private static ReserveRequest vm(String vmId, int vcpus, long memoryMib) {
    return new ReserveRequest(vmId, vcpus, memoryMib);
  }

  private static ApplicationFailure refused(Executable update) {
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, update);
    return assertInstanceOf(ApplicationFailure.class, e.getCause());
  }

  private static void eventually(BooleanSupplier condition, Object what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(condition.getAsBoolean(), String.valueOf(what));
  }

  private String shownState(String hostId) {
    return client.newUntypedWorkflowStub(HostWorkflow.workflowId(hostId)).describe().getTypedSearchAttributes().get(HostSearchAttributes.STATE);
  }

  private ListeningVm listening(String vmId) {
    ListeningVm vm = client.newWorkflowStub(ListeningVm.class, WorkflowOptions.newBuilder()
        .setWorkflowId(TaskQueues.workflowId(vmId)).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(vm::run);
    return vm;
  }

  @Test
  void aHostIsUnreachableWhenItsReportsStopItsVmsAreToldAndItReturnsWhenTheyResume() throws Exception {
    HostWorkflow host = registered("h1", 8, 8192, 10);
    ListeningVm a = listening("a");
    ListeningVm b = listening("b");
    host.reserve(vm("a", 1, 512));
    host.reserve(vm("b", 1, 512));
    assertTrue(host.describe().reachable());
    assertEquals("READY", shownState("h1"));

    env.sleep(Duration.ofSeconds(20));
    report(host, 2, 1024);
    env.sleep(Duration.ofSeconds(20));
    assertTrue(host.describe().reachable(), "40 s after registering, 20 s after the last report: each report renews the bound");

    env.sleep(Duration.ofSeconds(15));
    eventually(() -> !host.describe().reachable(), "35 s without a report: unreachable");
    assertEquals(HostState.UNREACHABLE, HostState.of(host.describe()));
    eventually(() -> a.kinds().equals(List.of(HostEvent.HOST_UNREACHABLE)) && b.kinds().equals(List.of(HostEvent.HOST_UNREACHABLE)),
        "the VMs holding room are told: " + a.kinds() + b.kinds());
    assertEquals("UNREACHABLE", shownState("h1"));
    ApplicationFailure unavailable = refused(() -> host.reserve(vm("c", 1, 512)));
    assertEquals(FailureReasons.HOST_UNAVAILABLE, unavailable.getType());
    assertTrue(unavailable.getOriginalMessage().startsWith("host h1 is unreachable: its worker has not reported since"),
        unavailable.getOriginalMessage());

    report(host, 2, 1024);
    eventually(() -> host.describe().reachable(), "a report: reachable again");
    eventually(() -> a.kinds().size() == 2 && b.kinds().size() == 2, "told again");
    assertEquals(List.of(HostEvent.HOST_UNREACHABLE, HostEvent.HOST_REACHABLE), a.kinds());
    assertEquals("READY", shownState("h1"));
    assertEquals("c", host.reserve(vm("c", 1, 512)).reservations().get("c").vmId());
  }

  @Test
  void aReportOlderThanTheLastIsIgnoredUntilTheWorkerRegistersAgain() throws Exception {
    HostWorkflow host = registered("h1", 8, 8192, 10);
    report(host, new HostLoad(3, 3, 3072, 1024, Instant.now(), 7));
    report(host, new HostLoad(1, 1, 1024, 1024, Instant.now(), 6));
    assertEquals(3, host.describe().load().vms(), "report 6 came after 7: ignored");
    host.register(info("h1", 8, 8192, 10, Map.of())); // a new worker numbers its reports from the start
    report(host, new HostLoad(1, 1, 1024, 1024, Instant.now(), 1));
    assertEquals(1, host.describe().load().vms());
  }

  @Test
  void aReservationIsRefusedNamingWhatDoesNotFitBeforeAnythingIsWritten() throws Exception {
    HostWorkflow unknown = start("h0");
    ApplicationFailure notFound = refused(() -> unknown.reserve(vm("a", 1, 512)));
    assertEquals(FailureReasons.HOST_NOT_FOUND, notFound.getType());
    assertEquals("host h0 is not known: no worker of that id has registered", notFound.getOriginalMessage());

    HostWorkflow host = registered("h1", 4, 4096, 3); // 8 vCPUs admitted (ratio 2), 4096 MiB, 3 VMs
    host.reserve(vm("a", 4, 1024));
    assertEquals(1, host.reserve(vm("a", 4, 1024)).reservations().size(), "a VM that holds room is answered as before");
    ApplicationFailure cpus = refused(() -> host.reserve(vm("b", 6, 512)));
    assertEquals(FailureReasons.HOST_FULL, cpus.getType());
    assertEquals("host h1 has 4 vCPUs free, the VM needs 6 (4 vCPUs times the allocation ratio of 2.0 = 8, 4 committed)",
        cpus.getOriginalMessage());
    ApplicationFailure memory = refused(() -> host.reserve(vm("b", 1, 3500)));
    assertEquals("host h1 has 3072 MiB of memory free, the VM needs 3500 (4096 MiB times the overcommit of 1.0 = 4096 MiB, 1024 MiB committed)",
        memory.getOriginalMessage());
    // What the host reports it runs counts too: VMs that predate placement hold no reservation.
    report(host, 2, 3584);
    ApplicationFailure reported = refused(() -> host.reserve(vm("b", 1, 1024)));
    assertTrue(reported.getOriginalMessage().startsWith("host h1 has 512 MiB of memory free"), reported.getOriginalMessage());
    host.reserve(vm("b", 1, 256));
    host.reserve(vm("c", 1, 256));
    ApplicationFailure count = refused(() -> host.reserve(vm("d", 1, 1)));
    assertEquals("host h1 holds 3 VMs, its limit (max VMs 3)", count.getOriginalMessage());
    assertEquals(4, acceptedUpdates("h1"), "a, a again, b and c: no refusal left a trace");
    assertEquals(List.of("a", "b", "c"), host.describe().reservations().keySet().stream().sorted().toList());
  }

  /** How many updates a host's history holds: a refused one leaves none (its validator refused it before anything was written). */
  private long acceptedUpdates(String hostId) {
    return client.fetchHistory(HostWorkflow.workflowId(hostId)).getEvents().stream()
        .filter(event -> event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED).count();
  }

  @Test
  void sixtyConcurrentReservationsOnThreeHostsNeverOverbookAny() throws Exception {
    List<String> hosts = List.of("h1", "h2", "h3");
    for (String hostId : hosts) {
      registered(hostId, 64, 8192, 100);
    }
    // Room for 8 VMs of 1024 MiB on each; 20 creates ask each host at once.
    ExecutorService creates = Executors.newFixedThreadPool(20);
    List<Future<String>> outcomes = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      String hostId = hosts.get(i % 3);
      String vmId = "vm-" + i;
      outcomes.add(creates.submit(() -> {
        try {
          client.newUntypedWorkflowStub(HostWorkflow.workflowId(hostId))
              .startUpdate("reserve", WorkflowUpdateStage.ACCEPTED, HostRecord.class, vm(vmId, 2, 1024)).getResult(30, TimeUnit.SECONDS);
          return hostId;
        } catch (WorkflowUpdateException e) {
          assertEquals(FailureReasons.HOST_FULL, ((ApplicationFailure) e.getCause()).getType());
          return "refused";
        }
      }));
    }
    List<String> placed = new ArrayList<>();
    for (Future<String> outcome : outcomes) {
      placed.add(outcome.get(60, TimeUnit.SECONDS));
    }
    creates.shutdown();
    for (String hostId : hosts) {
      HostRecord record = client.newWorkflowStub(HostWorkflow.class, HostWorkflow.workflowId(hostId)).describe();
      assertEquals(8, record.reservations().size(), hostId + ": " + record.reservations().keySet());
      assertEquals(8192, record.reservations().values().stream().mapToLong(Reservation::memoryMib).sum());
      assertEquals(8, placed.stream().filter(hostId::equals).count(), "every accepted reservation is one the host holds");
    }
    assertEquals(36, placed.stream().filter("refused"::equals).count());
  }

  @Test
  void aCordonedHostTakesNoNewVmsAndKeepsThoseItHas() throws Exception {
    HostWorkflow host = registered("h1", 8, 8192, 10);
    host.reserve(vm("a", 1, 512));
    HostRecord cordoned = host.cordon("kernel upgrade");
    assertTrue(cordoned.cordoned());
    assertEquals("CORDONED", shownState("h1"));
    ApplicationFailure refusal = refused(() -> host.reserve(vm("b", 1, 512)));
    assertEquals(FailureReasons.HOST_CORDONED, refusal.getType());
    assertEquals("host h1 is cordoned (kernel upgrade): it takes no new VMs", refusal.getOriginalMessage());
    assertEquals(1, host.reserve(vm("a", 1, 512)).reservations().size(), "a VM holding room keeps it");

    assertFalse(host.uncordon().cordoned());
    host.reserve(vm("b", 1, 512));
    assertEquals(List.of("cordon: ok: kernel upgrade", "uncordon: ok"),
        host.describe().recentOperations().stream().map(op -> op.name() + ": " + op.outcome()).toList());
  }

  @Test
  void aReleaseGivesTheRoomBackAndARepeatedOneIsSuccess() throws Exception {
    HostWorkflow host = registered("h1", 8, 2048, 10);
    host.reserve(vm("a", 1, 2048));
    assertEquals(FailureReasons.HOST_FULL, refused(() -> host.reserve(vm("b", 1, 1024))).getType());
    assertTrue(host.release("a").reservations().isEmpty());
    assertTrue(host.release("a").reservations().isEmpty(), "nothing held: success");
    assertTrue(host.reserve(vm("b", 1, 1024)).reservations().containsKey("b"));
  }

  @Test
  void aDrainCordonsTheHostAndMigratesItsVmsAwayAFewAtATimeStoppingThoseThatCannotMove() throws Exception {
    HostWorkflow host = registered("h1", 64, 65536, 100);
    for (int i = 1; i <= 9; i++) {
      host.reserve(vm("vm" + i, 1, 512));
    }
    vms.stopped.add("vm2");
    vms.deleted.add("vm3");
    vms.failing.add("vm4");
    vms.unmovable.add("vm5");
    HostRecord started = host.drain();
    assertTrue(started.cordoned(), "a drain cordons first");
    assertEquals("draining", started.cordonReason());
    assertFalse(started.drain().done(), "answered once started");
    assertEquals(9, started.drain().total());
    eventually(() -> "DRAINING".equals(shownState("h1")) || host.describe().drain().done(), "shown draining");
    ApplicationFailure uncordon = refused(host::uncordon);
    assertEquals(FailureReasons.ILLEGAL_TRANSITION, uncordon.getType());
    assertEquals(started.drain().startedAt(), host.drain().drain().startedAt(), "a second drain joins the first");

    eventually(() -> host.describe().drain().done(), "the drain ends");
    DrainProgress drain = host.describe().drain();
    assertEquals(List.of(), drain.remaining());
    assertEquals(List.of("vm1: migrated to host h2", "vm2: already stopped", "vm3: already deleted",
        "vm4: not stopped: VM vm4 is DELETING: cannot stop",
        "vm5: stopped (not migrated: VM vm5 has storage of its own on host h1)", "vm6: migrated to host h2", "vm7: migrated to host h2",
        "vm8: migrated to host h2", "vm9: migrated to host h2"), drain.handled().stream().sorted().toList());
    assertEquals(9, vms.migrations.size());
    assertTrue(vms.migrations.stream().allMatch(asked -> asked.endsWith(" to ")), "placement chooses each target: " + vms.migrations);
    assertEquals(List.of("vm2", "vm4", "vm5"), vms.stops.stream().sorted().toList(), "only those that could not migrate are stopped");
    assertTrue(vms.mostMigratingAtOnce.get() > 1 && vms.mostMigratingAtOnce.get() <= HostDrain.MIGRATIONS_AT_ONCE,
        "at most 2 migrations at once: " + vms.mostMigratingAtOnce.get());
    assertEquals("CORDONED", shownState("h1"), "still cordoned once drained");
    OperationRecord recorded = host.describe().recentOperations().get(host.describe().recentOperations().size() - 1);
    assertEquals("drain: 1 of 9 VMs neither migrated nor stopped", recorded.name() + ": " + recorded.outcome());
    assertEquals(9, host.describe().reservations().size(), "VMs give their room back themselves (these fakes do not)");
    assertFalse(host.uncordon().cordoned());
  }

  @Test
  void aContinuedHostCarriesItsRecordAndItsLivenessBound() throws Exception {
    Instant longAgo = Instant.ofEpochMilli(env.currentTimeMillis()).minusSeconds(60);
    HostRecord carried = new HostRecord("h1", info("h1", 8, 8192, 10, Map.of()), new HostLoad(1, 1, 512, 4096, longAgo, 41), longAgo, true,
        Map.of("a", new Reservation("a", 1, 512, longAgo)), true, "maintenance", null, List.of());
    ListeningVm a = listening("a");
    HostWorkflow host = client.newWorkflowStub(HostWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(HostWorkflow.workflowId("h1")).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(host::run, new HostWorkflowInput("h1", carried));
    eventually(() -> !host.describe().reachable(), "its last report was 60 s ago: unreachable at once");
    eventually(() -> a.kinds().equals(List.of(HostEvent.HOST_UNREACHABLE)), a.kinds());
    HostRecord record = host.describe();
    assertEquals("maintenance", record.cordonReason());
    assertEquals(List.of("a"), List.copyOf(record.reservations().keySet()));
    report(host, new HostLoad(1, 1, 512, 4096, Instant.now(), 40));
    assertFalse(host.describe().reachable(), "numbered before the carried report: ignored");
    report(host, new HostLoad(1, 1, 512, 4096, Instant.now(), 42));
    eventually(() -> host.describe().reachable(), "reachable");
    assertNull(host.describe().drain());
  }

  /** A host's whole life, recorded for HostWorkflowReplayTest: see there. */
  @Test
  void aHostsWholeLife() throws Exception {
    HostWorkflow host = registered("life", 8, 8192, 10);
    ListeningVm a = listening("a");
    listening("b");
    host.reserve(vm("a", 2, 1024));
    host.reserve(vm("b", 2, 1024));
    report(host, 0, 0); // after the updates, in a workflow task of its own: the liveness timer is renewed
    refused(() -> host.reserve(vm("big", 2, 9000)));
    host.release("b");
    host.cordon("maintenance");
    host.uncordon();
    env.sleep(Duration.ofSeconds(31));
    eventually(() -> a.kinds().size() == 1, a.kinds());
    report(host, 1, 1024);
    eventually(() -> a.kinds().size() == 2, a.kinds());
    host.drain();
    eventually(() -> host.describe().drain().done(), "drained");
    host.uncordon();
    record("life", "host");
  }

  private void record(String hostId, String fixture) throws IOException {
    TestEnvironments.record(client, HostWorkflow.workflowId(hostId), fixture);
  }
}
