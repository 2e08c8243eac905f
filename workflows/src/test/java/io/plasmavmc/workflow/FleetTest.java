package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmSearchAttributes;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowClient;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.plasmavmc.contract.fleet.HostWorkflowInput;
import io.plasmavmc.contract.fleet.Labels;
import io.plasmavmc.contract.fleet.PlacementPolicy;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.api.enums.v1.EventType;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Placement end to end in Temporal's test environment: VM workflows place themselves through
 * FleetActivitiesImpl on three host workflows, each host's queue served by an in-memory host. The
 * hosts report every few seconds, as their workers would; time is not skipped here (nothing waits
 * for a workflow's result through the test's own client), so none of them goes unreachable.
 */
class FleetTest {
  /** h1: 8192 MiB, labelled zone=a; h2: 16384 MiB; h3: 4096 MiB. Each admits 16 vCPUs and 20 VMs. */
  private static final Map<String, Long> MEMORY = Map.of("h1", 8192L, "h2", 16384L, "h3", 4096L);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  /** A client that does not skip time while it waits for a workflow's result (the test's own does). */
  private WorkflowClient plain;
  private final Map<String, FakeHost> hosts = new LinkedHashMap<>();
  private final AtomicLong seq = new AtomicLong();
  private ScheduledExecutorService reporter;

  @BeforeEach
  void setUp() throws InterruptedException {
    env = TestEnvironments.withSearchAttributes();
    Worker control = env.newWorker(TaskQueues.CONTROL);
    control.registerWorkflowImplementationTypes(VmWorkflowImpl.class, HostWorkflowImpl.class, PlaceOnce.Impl.class);
    control.registerActivitiesImplementations(new FleetActivitiesImpl(env.getWorkflowClient()));
    long firstPid = 1000;
    for (String hostId : List.of("h1", "h2", "h3")) {
      FakeHost host = new FakeHost(firstPid);
      firstPid += 1000;
      hosts.put(hostId, host);
      env.newWorker(TaskQueues.host(hostId)).registerActivitiesImplementations(host, new FakeMigrations(host));
    }
    env.start();
    client = env.getWorkflowClient();
    plain = WorkflowClient.newInstance(env.getWorkflowServiceStubs(), WorkflowClientOptions.newBuilder().setNamespace(env.getNamespace()).build());
    for (String hostId : hosts.keySet()) {
      HostWorkflow starting = client.newWorkflowStub(HostWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId(HostWorkflow.workflowId(hostId)).setTaskQueue(TaskQueues.CONTROL).build());
      WorkflowClient.start(starting::run, new HostWorkflowInput(hostId, null));
      host(hostId).register(HostWorkflowTest.info(hostId, 8, MEMORY.get(hostId), 20, hostId.equals("h1") ? Map.of("zone", "a") : Map.of()));
    }
    for (String hostId : hosts.keySet()) {
      TestEnvironments.awaitSignalsApplied(client, HostWorkflow.workflowId(hostId));
    }
    reporter = Executors.newSingleThreadScheduledExecutor();
    reporter.scheduleAtFixedRate(() -> hosts.keySet().forEach(hostId ->
        host(hostId).report(new HostLoad(0, 0, 0, MEMORY.get(hostId), Instant.now(), seq.incrementAndGet()))), 0, 5, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    reporter.shutdownNow();
    reporter.awaitTermination(10, TimeUnit.SECONDS);
    env.close();
  }

  private HostWorkflow host(String hostId) {
    return client.newWorkflowStub(HostWorkflow.class, HostWorkflow.workflowId(hostId));
  }

  private static VmSpec spec(String name, long memoryMib) {
    return VmSpec.of(name).withAccelerator(Accelerator.TCG).withResources(1, (int) memoryMib);
  }

  private VmRecord create(String name, long memoryMib, PlacementRequest placement) {
    return new VmWorkflowClient(client, Duration.ofSeconds(5)).create(name, spec(name, memoryMib), "req-" + name, true, placement,
        UpdateOptions.<VmRecord>newBuilder().setWaitForStage(WorkflowUpdateStage.ACCEPTED).build()).getResult();
  }

  private ApplicationFailure refusedCreation(String name, long memoryMib, PlacementRequest placement) {
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, () -> create(name, memoryMib, placement));
    return assertInstanceOf(ApplicationFailure.class, e.getCause());
  }

  private static PlacementRequest by(PlacementPolicy policy, Map<String, String> labels) {
    return new PlacementRequest(null, policy, labels);
  }

  private VmWorkflow vm(String name) {
    return client.newWorkflowStub(VmWorkflow.class, TaskQueues.workflowId(name));
  }

  /** How the VM's workflow ended. */
  private VmRecord ended(String name) throws Exception {
    return plain.newUntypedWorkflowStub(TaskQueues.workflowId(name)).getResult(10, TimeUnit.SECONDS, VmRecord.class);
  }

  private List<String> held(String hostId) {
    return host(hostId).describe().reservations().keySet().stream().sorted().toList();
  }

  @Test
  void aVmWithoutAHostIsPlacedBySpreadBeforeItSpawnsAndTheChoiceIsRecorded() {
    VmRecord web = create("web", 1024, by(PlacementPolicy.SPREAD, Map.of()));
    assertEquals("h2", web.hostId(), "the most memory left: " + web.placement());
    assertEquals(VmState.RUNNING, web.state());
    assertTrue(web.placement().startsWith("spread (the most memory left): host h2, 15360 MiB of memory left after the VM"), web.placement());
    assertTrue(web.placement().contains("passed over: h1 (7168 MiB left), h3 (3072 MiB left)"), web.placement());
    assertEquals(1, hosts.get("h2").spawns.get());
    assertEquals(List.of("web"), held("h2"));
    assertEquals("h2", WorkflowStub.fromTyped(vm("web")).describe().getTypedSearchAttributes().get(VmSearchAttributes.HOST));
    List<String> activities = client.fetchHistory(TaskQueues.workflowId("web")).getEvents().stream()
        .filter(event -> event.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .map(event -> event.getActivityTaskScheduledEventAttributes().getActivityType().getName()).toList();
    assertEquals("FleetPlace", activities.get(0), "placed before anything on a host: " + activities);
    assertEquals("HostSpawnAndStart", activities.get(1));
  }

  @Test
  void packTakesTheLeastMemoryLeftThatFitsAndLabelsConstrain() {
    assertEquals("h3", create("packed", 1024, by(PlacementPolicy.PACK, Map.of())).hostId());
    assertEquals("h1", create("zoned", 1024, by(PlacementPolicy.SPREAD, Map.of("zone", "a"))).hostId());
    ApplicationFailure none = refusedCreation("nowhere", 1024, by(PlacementPolicy.SPREAD, Map.of("zone", "b")));
    assertEquals(FailureReasons.NO_HOST_FITS, none.getType());
    assertTrue(none.getOriginalMessage().startsWith("no host has the labels zone=b"), none.getOriginalMessage());
  }

  @Test
  void aNamedHostWinsAndIsRefusedWhenCordonedOrUnknown() throws Exception {
    VmRecord named = create("pinned", 1024, PlacementRequest.on("h3"));
    assertEquals("h3", named.hostId(), "spread would take h2; the request names h3");
    assertTrue(named.placement().startsWith("host h3 named by the request: 3072 MiB of memory left after the VM"), named.placement());

    host("h1").cordon("maintenance");
    ApplicationFailure cordoned = refusedCreation("on-cordoned", 1024, PlacementRequest.on("h1"));
    assertEquals(FailureReasons.HOST_CORDONED, cordoned.getType());
    assertEquals("host h1 is cordoned (maintenance): it takes no new VMs", cordoned.getOriginalMessage());
    VmRecord gone = ended("on-cordoned");
    assertEquals(VmState.DELETED, gone.state());
    assertEquals("creation refused: host h1 is cordoned (maintenance): it takes no new VMs", gone.stateReason());

    ApplicationFailure unknown = refusedCreation("on-unknown", 1024, PlacementRequest.on("h9"));
    assertEquals(FailureReasons.HOST_NOT_FOUND, unknown.getType());
    assertEquals("host h9 is not known: no worker of that id has registered", unknown.getOriginalMessage());
    assertEquals(1, hosts.get("h3").spawns.get());
    assertEquals(0, hosts.get("h1").spawns.get());
  }

  @Test
  void noHostFitsRefusesTheVmNamingTheTightestResourceAndTheNameIsFreeAgain() throws Exception {
    ApplicationFailure refused = refusedCreation("huge", 20000, by(PlacementPolicy.SPREAD, Map.of()));
    assertEquals(FailureReasons.NO_HOST_FITS, refused.getType());
    assertTrue(refused.getOriginalMessage().startsWith("no host has 20000 MiB of memory free (most: h2, 16384 MiB)"), refused.getOriginalMessage());
    assertEquals(VmState.DELETED, ended("huge").state());
    assertEquals("h2", create("huge", 2048, by(PlacementPolicy.SPREAD, Map.of())).hostId(), "the name is free again");
  }

  @Test
  void aDeletedVmGivesItsRoomBack() {
    create("brief", 1024, by(PlacementPolicy.SPREAD, Map.of()));
    assertEquals(List.of("brief"), held("h2"));
    assertEquals(VmState.DELETED, vm("brief").delete(DeleteRequest.ALL).state());
    assertEquals(List.of(), held("h2"));
  }

  @Test
  void aSpawnTheHostRefusesGivesTheRoomBack() throws Exception {
    hosts.get("h2").full = true;
    ApplicationFailure refused = refusedCreation("unlucky", 1024, by(PlacementPolicy.SPREAD, Map.of()));
    assertEquals(FailureReasons.HOST_FULL, refused.getType());
    VmRecord gone = ended("unlucky");
    assertEquals(VmState.DELETED, gone.state());
    assertEquals("h2", gone.hostId());
    assertEquals(List.of(), held("h2"), "its room went back with the refusal");
  }

  @Test
  void aMigratingVmsRoomMovesWithItByItsOwnConstraintsAndBackAgain() {
    assertEquals("h3", create("mover", 1024, PlacementRequest.on("h3")).hostId());
    VmRecord moved = vm("mover").migrate(new MigrateRequest(null, 0, 0, null));
    assertEquals("h2", moved.hostId(), "spread among the hosts other than the source: " + moved.placement());
    assertTrue(moved.placement().startsWith("migrated from host h3: spread (the most memory left): host h2, 15360 MiB of memory left"),
        moved.placement());
    assertEquals(List.of("mover"), held("h2"));
    assertEquals(List.of(), held("h3"), "the source's room went back");

    assertEquals("h3", vm("mover").migrate(MigrateRequest.to("h3")).hostId());
    assertEquals(List.of("mover"), held("h3"), "a second reservation on a host it left reserves anew");
    assertEquals(List.of(), held("h2"));
    assertEquals("h2", vm("mover").migrate(MigrateRequest.to("h2")).hostId());
    assertEquals(List.of("mover"), held("h2"), "and a second release on a host gives back again");
    assertEquals(List.of(), held("h3"));

    assertEquals("h1", create("zoned", 1024, by(PlacementPolicy.SPREAD, Map.of("zone", "a"))).hostId());
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, () -> vm("zoned").migrate(new MigrateRequest(null, 0, 0, null)));
    ApplicationFailure none = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(FailureReasons.NO_HOST_FITS, none.getType());
    assertTrue(none.getOriginalMessage().startsWith("no host other than the VM's own (h1) fits: no host has the labels zone=a"),
        none.getOriginalMessage());
    assertEquals("h1", vm("zoned").describe().hostId(), "refused by the fleet: nothing happened on any host");
  }

  @Test
  void aVmWithDisksOfItsOwnMigratesOnlyAmongHostsDeclaringTheStorageItsHostShares() throws Exception {
    // h1 and h3 see the same image store and VMs' directory; h2, with the most memory left, sees neither.
    host("h1").register(HostWorkflowTest.info("h1", 8, MEMORY.get("h1"), 20, Map.of("zone", "a", Labels.SHARED_STORAGE, "nas")));
    host("h3").register(HostWorkflowTest.info("h3", 8, MEMORY.get("h3"), 20, Map.of(Labels.SHARED_STORAGE, "nas")));
    for (String hostId : List.of("h1", "h3")) {
      TestEnvironments.awaitSignalsApplied(client, HostWorkflow.workflowId(hostId));
    }
    VmSpec disky = spec("disky", 512).withDisks(List.of(DiskSpec.fromImage("debian", 0)));
    new VmWorkflowClient(client, Duration.ofSeconds(5)).create("disky", disky, "req-disky", true, PlacementRequest.on("h3"),
        UpdateOptions.<VmRecord>newBuilder().setWaitForStage(WorkflowUpdateStage.ACCEPTED).build()).getResult();

    VmRecord moved = vm("disky").migrate(new MigrateRequest(null, 0, 0, null));
    assertEquals("h1", moved.hostId(), "the one other host sharing h3's storage, though h2 has more room: " + moved.placement());
    WorkflowUpdateException e = assertThrows(WorkflowUpdateException.class, () -> vm("disky").migrate(MigrateRequest.to("h2")));
    ApplicationFailure unshared = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(FailureReasons.MIGRATION_UNSUPPORTED, unshared.getType());
    assertTrue(unshared.getOriginalMessage().contains("spec.disks[0]: an overlay of image debian")
        && unshared.getOriginalMessage().contains("host h2 does not declare (label shared-storage=nas)"), unshared.getOriginalMessage());
    assertEquals("h1", vm("disky").describe().hostId());

    VmSpec local = spec("local", 512).withDisks(List.of(DiskSpec.fromImage("debian", 0)));
    new VmWorkflowClient(client, Duration.ofSeconds(5)).create("local", local, "req-local", true, PlacementRequest.on("h2"),
        UpdateOptions.<VmRecord>newBuilder().setWaitForStage(WorkflowUpdateStage.ACCEPTED).build()).getResult();
    e = assertThrows(WorkflowUpdateException.class, () -> vm("local").migrate(new MigrateRequest(null, 0, 0, null)));
    ApplicationFailure none = assertInstanceOf(ApplicationFailure.class, e.getCause());
    assertEquals(FailureReasons.MIGRATION_UNSUPPORTED, none.getType());
    assertTrue(none.getOriginalMessage().contains("which no other host sees: host h2 declares no shared storage"), none.getOriginalMessage());
    assertEquals(List.of("disky"), held("h1"));
    assertEquals(List.of("local"), held("h2"), "refused before any room was taken");
    assertEquals(List.of(), held("h3"));
  }

  @Test
  void sixtyConcurrentPlacementsOnThreeHostsNeverOverbookAny() throws Exception {
    // Room for 8 + 16 + 4 VMs of 1024 MiB.
    List<WorkflowStub> placements = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      PlaceOnce place = client.newWorkflowStub(PlaceOnce.class, WorkflowOptions.newBuilder()
          .setWorkflowId("place-" + i).setTaskQueue(TaskQueues.CONTROL).build());
      WorkflowClient.start(place::place, "vm" + i, spec("vm" + i, 1024), by(PlacementPolicy.SPREAD, Map.of()));
      placements.add(plain.newUntypedWorkflowStub("place-" + i));
    }
    List<String> outcomes = new ArrayList<>();
    for (WorkflowStub placement : placements) {
      outcomes.add(placement.getResult(120, TimeUnit.SECONDS, String.class));
    }
    for (String hostId : hosts.keySet()) {
      HostRecord record = host(hostId).describe();
      long fits = MEMORY.get(hostId) / 1024;
      assertEquals(fits, record.reservations().size(), hostId + " is full, not over: " + record.reservations().keySet());
      assertEquals(fits, outcomes.stream().filter(hostId::equals).count(), "every placement on " + hostId + " holds its room there");
    }
    assertEquals(32, outcomes.stream().filter(("refused: " + FailureReasons.NO_HOST_FITS)::equals).count(), outcomes.toString());
    assertFalse(outcomes.contains("refused: " + FailureReasons.HOST_FULL), "a host's refusal sends placement to the next host");
  }
}
