package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.StatusDetails.detail;
import static io.plasmavmc.gateway.StatusDetails.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.BadRequest;
import com.google.rpc.ResourceInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.plasmavmc.api.v1.CordonHostRequest;
import io.plasmavmc.api.v1.DrainHostRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostCapacity;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.HostState;
import io.plasmavmc.api.v1.HostUsage;
import io.plasmavmc.api.v1.ListHostsRequest;
import io.plasmavmc.api.v1.UncordonHostRequest;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.fleet.FleetClient;
import io.plasmavmc.contract.fleet.HostAdmission;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.ReserveRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HostService over gRPC, through Temporal's test server, on fake host workflows that workers registered: what a client gets for each call. */
class HostServiceTest {
  private TestWorkflowEnvironment temporal;
  private Server server;
  private ManagedChannel channel;
  private HostServiceGrpc.HostServiceBlockingStub hosts;
  private FleetClient fleet;

  @BeforeEach
  void start() throws IOException {
    temporal = TestWorkflowEnvironment.newInstance();
    temporal.newWorker(TaskQueues.CONTROL).registerWorkflowImplementationTypes(FakeHostWorkflow.class);
    temporal.start();
    fleet = new FleetClient(temporal.getWorkflowClient());
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new HostService(new HostDirectory(fleet, max -> openHosts(temporal.getWorkflowClient(), max)))).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    hosts = HostServiceGrpc.newBlockingStub(channel);
    register("kvm2", Map.of("zone", "b"));
    register("kvm1", Map.of("zone", "a", "gpu", "none"));
    fleet.report("kvm1", new HostLoad(3, 6, 3072, 40_000, Instant.parse("2026-12-01T10:00:05Z"), 7));
    fleet.host("kvm1").reserve(new ReserveRequest("web", 2, 1024));
    fleet.host("kvm1").reserve(new ReserveRequest("db", 4, 8192));
  }

  /** The test server has no visibility queries: its list of open workflows stands in for them. */
  private static List<String> openHosts(WorkflowClient client, int max) {
    return client.getWorkflowServiceStubs().blockingStub().listOpenWorkflowExecutions(ListOpenWorkflowExecutionsRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace()).setMaximumPageSize(max).build())
        .getExecutionsList().stream()
        .filter(execution -> execution.getType().getName().equals("HostWorkflow"))
        .map(execution -> execution.getExecution().getWorkflowId().substring("host-".length()))
        .toList();
  }

  private void register(String id, Map<String, String> labels) {
    fleet.register(new HostInfo(id, "10.0.0." + id.charAt(3), 16, 64_000, "kvm", "8.2.2", labels, new HostAdmission(100, 1.5, 4.0),
        Instant.parse("2026-12-01T10:00:00Z")));
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    temporal.close();
  }

  @Test
  void listShowsEveryRegisteredHostByIdWithItsCapacityAndUsage() {
    List<Host> listed = hosts.listHosts(ListHostsRequest.getDefaultInstance()).getHostsList();
    assertEquals(List.of("kvm1", "kvm2"), listed.stream().map(Host::getId).toList());
    Host kvm1 = listed.get(0);
    assertEquals(HostState.HOST_STATE_READY, kvm1.getState());
    assertEquals("10.0.0.1", kvm1.getAddress());
    assertEquals(Map.of("zone", "a", "gpu", "none"), kvm1.getLabelsMap());
    assertEquals("kvm", kvm1.getAccelerator());
    assertEquals("8.2.2", kvm1.getQemuVersion());
    assertEquals(HostCapacity.newBuilder().setVcpus(16).setMemoryMib(64_000).setMaxVms(100).setMemoryOvercommit(1.5)
        .setCpuAllocationRatio(4.0).build(), kvm1.getCapacity());
    // Room held by its two reservations; the worker saw more memory in use (a VM from before placement): the larger counts.
    assertEquals(HostUsage.newBuilder().setVms(2).setVcpusCommitted(6).setMemoryCommittedMib(9216).setMemoryFreeMib(40_000)
        .setQemuProcesses(3).build(), kvm1.getUsage());
    assertEquals(List.of("db", "web"), kvm1.getVmsList());
    assertEquals(1_796_119_200L, kvm1.getWorkerStartedAt().getSeconds());
    assertTrue(kvm1.hasLastReportAt());
    assertEquals(HostUsage.getDefaultInstance(), listed.get(1).getUsage(), "kvm2 reported nothing yet");
  }

  @Test
  void cordonUncordonAndDrainChangeTheHostsState() {
    Host cordoned = hosts.cordonHost(CordonHostRequest.newBuilder().setId("kvm1").setReason("kernel upgrade").build());
    assertEquals(HostState.HOST_STATE_CORDONED, cordoned.getState());
    assertEquals("kernel upgrade", cordoned.getStateReason());
    assertEquals("cordoned by an operator", hosts.cordonHost(CordonHostRequest.newBuilder().setId("kvm2").build()).getStateReason(),
        "no reason given: who cordoned it");

    Host ready = hosts.uncordonHost(UncordonHostRequest.newBuilder().setId("kvm1").build());
    assertEquals(HostState.HOST_STATE_READY, ready.getState());

    Host draining = hosts.drainHost(DrainHostRequest.newBuilder().setId("kvm1").build());
    assertEquals(HostState.HOST_STATE_DRAINING, draining.getState());
    assertEquals("draining: 0 of 2 VMs handled", draining.getStateReason());
    assertEquals(List.of("db", "web"), draining.getDrain().getRemainingList());
    assertEquals(draining, hosts.getHost(GetHostRequest.newBuilder().setId("kvm1").build()), "GetHost follows the drain");
  }

  @Test
  void anUnknownHostIsNotFoundAndABadRequestNamesItsField() {
    for (Runnable call : List.<Runnable>of(() -> hosts.getHost(GetHostRequest.newBuilder().setId("kvm9").build()),
        () -> hosts.cordonHost(CordonHostRequest.newBuilder().setId("kvm9").build()),
        () -> hosts.uncordonHost(UncordonHostRequest.newBuilder().setId("kvm9").build()),
        () -> hosts.drainHost(DrainHostRequest.newBuilder().setId("kvm9").build()))) {
      StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, call::run);
      assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
      assertEquals("host kvm9 not found", missing.getStatus().getDescription());
      assertEquals("HOST_NOT_FOUND", reason(missing));
      assertEquals("hosts/kvm9", detail(missing, ResourceInfo.class).getResourceName());
    }
    assertEquals("reason", invalidField(() -> hosts.cordonHost(CordonHostRequest.newBuilder().setId("kvm1").setReason("x".repeat(257))
        .build())));
    assertEquals("reason", invalidField(() -> hosts.cordonHost(CordonHostRequest.newBuilder().setId("kvm1").setReason("a\nb").build())));
    assertEquals("id", invalidField(() -> hosts.getHost(GetHostRequest.newBuilder().setId("../kvm1").build())));
    assertEquals("id", invalidField(() -> hosts.drainHost(DrainHostRequest.getDefaultInstance())));
    assertEquals(HostState.HOST_STATE_READY, hosts.getHost(GetHostRequest.newBuilder().setId("kvm1").build()).getState(),
        "nothing refused reached the host");
  }

  private static String invalidField(Runnable call) {
    StatusRuntimeException invalid = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
    return detail(invalid, BadRequest.class).getFieldViolations(0).getField();
  }
}
