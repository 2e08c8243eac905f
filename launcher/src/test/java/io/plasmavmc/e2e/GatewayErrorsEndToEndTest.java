package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.ListVmsResponse;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.api.v1.WatchVmRequest;
import io.plasmavmc.gateway.GatewaySecurity;
import io.plasmavmc.gateway.GatewayServer;
import io.plasmavmc.gateway.GatewaySettings;
import io.plasmavmc.gateway.VmWatcher;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.launcher.LocalCredentials;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every error path of the gateway, over real gRPC against the embedded stack and real QEMU. */
class GatewayErrorsEndToEndTest {
  private static PlasmaVmcHarness plasma;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(2));
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  /** A QEMU with no guest: enough for everything but booting. KVM where usable. */
  static VmSpec bare() {
    return VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).build();
  }

  private static StatusRuntimeException fails(Status.Code code, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }

  private Vm create(String name, String requestId) {
    return plasma.vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(bare()).setRequestId(requestId).build());
  }

  @Test
  void invalidRequestsNameTheField() throws Exception {
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> create("a,b", "r")).getStatus().getDescription().startsWith("name:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> create("", "r")).getStatus().getDescription().startsWith("name:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.createVm(CreateVmRequest.newBuilder().setName("x")
        .setSpec(bare().toBuilder().setMemoryMib(4)).build())).getStatus().getDescription().startsWith("spec.memory_mib:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.createVm(CreateVmRequest.newBuilder().setName("x")
        .setSpec(bare().toBuilder().setMachineType("q35,accel=kvm")).build())).getStatus().getDescription().startsWith("spec.machine_type:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.createVm(CreateVmRequest.newBuilder().setName("x")
        .setSpec(bare().toBuilder().setKernelCmdline("console=ttyS0\n-device x").setKernel("/k")).build()))
        .getStatus().getDescription().startsWith("spec.kernel_cmdline:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.createVm(CreateVmRequest.newBuilder().setName("x")
        .setSpec(bare().toBuilder().addDisks(Disk.newBuilder().setPath("/tmp/x.img"))).build()))
        .getStatus().getDescription().startsWith("spec.disks[0].format:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.createVm(CreateVmRequest.newBuilder().setName("x")
        .setSpec(bare()).setRequestId("has space").build())).getStatus().getDescription().startsWith("request_id:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.stopVm(StopVmRequest.newBuilder().setName("x")
        .setTimeoutSeconds(100000).build())).getStatus().getDescription().startsWith("timeout_seconds:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.listVms(ListVmsRequest.newBuilder().setPageSize(501).build()))
        .getStatus().getDescription().startsWith("page_size:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.listVms(ListVmsRequest.newBuilder().setPageSize(-1).build()))
        .getStatus().getDescription().startsWith("page_size:"), "2^32-1 as a uint32");
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.listVms(ListVmsRequest.newBuilder().setHostId("x' OR 'a'='a").build()))
        .getStatus().getDescription().startsWith("host_id:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.listVms(ListVmsRequest.newBuilder().setStateValue(99).build()))
        .getStatus().getDescription().startsWith("state:"));
    assertTrue(fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.listVms(ListVmsRequest.newBuilder().setPageToken("junk").build()))
        .getStatus().getDescription().startsWith("page_token:"));
  }

  @Test
  void aFileOutsideTheImageRootsIsRefusedByTheHostAndTheNameStaysFree() throws Exception {
    Path secret = Files.writeString(Files.createTempFile("plasmavmc-secret", ".img"), "not for guests");
    VmSpec hostile = bare().toBuilder()
        .addDisks(Disk.newBuilder().setPath(secret.toString()).setFormat(DiskFormat.DISK_FORMAT_RAW)).build();
    StatusRuntimeException e = fails(Status.Code.INVALID_ARGUMENT,
        () -> plasma.vms.createVm(CreateVmRequest.newBuilder().setName("hostile").setSpec(hostile).build()));
    assertTrue(e.getStatus().getDescription().contains("spec.disks[0].path"), e.getStatus().getDescription());
    assertFalse(Files.exists(plasma.vmDir("hostile")));
    assertTrue(QemuProcessTable.livePidsMentioning(plasma.runtimeDir).stream().noneMatch(pid ->
        LinuxProcesses.commandLine(pid).contains(secret.toString())));
    fails(Status.Code.NOT_FOUND, () -> plasma.vms.getVm(GetVmRequest.newBuilder().setName("hostile").build()));
    // The name is free again for a good spec.
    assertEquals(VmState.VM_STATE_CREATED, create("hostile", "second-try").getState());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("hostile").build());
    Files.delete(secret);
  }

  @Test
  void unknownVmsAreNotFound() {
    fails(Status.Code.NOT_FOUND, () -> plasma.vms.getVm(GetVmRequest.newBuilder().setName("nobody").build()));
    fails(Status.Code.NOT_FOUND, () -> plasma.vms.startVm(StartVmRequest.newBuilder().setName("nobody").build()));
    fails(Status.Code.NOT_FOUND, () -> plasma.vms.stopVm(StopVmRequest.newBuilder().setName("nobody").build()));
    fails(Status.Code.NOT_FOUND, () -> plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("nobody").build()));
  }

  @Test
  void aRepeatedRequestIdReturnsTheSameVmAndAnotherIsAlreadyExists() {
    Vm first = create("dup", "request-1");
    assertEquals(VmState.VM_STATE_CREATED, first.getState());
    assertEquals("prelaunch", first.getQemuRunState());
    Vm again = create("dup", "request-1");
    assertEquals(first.getQemuPid(), again.getQemuPid());
    assertEquals(first.getCreatedAt(), again.getCreatedAt());
    assertEquals(1, QemuProcessTable.livePidsMentioning(plasma.vmDir("dup")).size());
    StatusRuntimeException taken = fails(Status.Code.ALREADY_EXISTS, () -> create("dup", "request-2"));
    assertTrue(taken.getStatus().getDescription().contains("request-1"));

    StatusRuntimeException illegal = fails(Status.Code.FAILED_PRECONDITION,
        () -> plasma.vms.pauseVm(PauseVmRequest.newBuilder().setName("dup").build()));
    assertTrue(illegal.getStatus().getDescription().contains("is CREATED"), illegal.getStatus().getDescription());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("dup").build());
    fails(Status.Code.NOT_FOUND, () -> plasma.vms.pauseVm(PauseVmRequest.newBuilder().setName("dup").build()));
  }

  /** A named host wins, but only one that registered: placement refuses the rest before anything reaches a host. */
  @Test
  void aHostThatNeverRegisteredIsNotFoundAndLeavesNoVm() throws Exception {
    StatusRuntimeException e = fails(Status.Code.NOT_FOUND, () -> plasma.vms.createVm(CreateVmRequest.newBuilder()
        .setName("orphan").setSpec(bare()).setHostId("ghost-host").build()));
    assertTrue(e.getStatus().getDescription().contains("ghost-host"), e.getStatus().getDescription());
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertEquals("HOST_NOT_FOUND", unpack(details, ErrorInfo.class).getReason());
    assertEquals("hosts/ghost-host", unpack(details, ResourceInfo.class).getResourceName());
    fails(Status.Code.NOT_FOUND, () -> plasma.vms.getVm(GetVmRequest.newBuilder().setName("orphan").build()));
  }

  @Test
  void anUnreachableTemporalIsUnavailable() throws Exception {
    WorkflowServiceStubs dead = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget("127.0.0.1:" + PlasmaVmcHarness.freePort()).setRpcTimeout(Duration.ofSeconds(2)).build());
    GatewayServer gateway = new GatewayServer(WorkflowClient.newInstance(dead),
        new GatewaySettings("127.0.0.1", 0, "h", Duration.ofSeconds(2),
            GatewaySecurity.tokens(LocalCredentials.tokensFile(plasma.configDir)))).start();
    ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + gateway.port(), InsecureChannelCredentials.create()).build();
    try {
      VmServiceGrpc.VmServiceBlockingStub client = VmServiceGrpc.newBlockingStub(channel).withCallCredentials(plasma.admin)
          .withDeadlineAfter(30, TimeUnit.SECONDS);
      fails(Status.Code.UNAVAILABLE, () -> client.getVm(GetVmRequest.newBuilder().setName("any").build()));
    } finally {
      channel.shutdownNow();
      gateway.close();
      dead.shutdownNow();
    }
  }

  @Test
  void listVmsPages() {
    List<String> names = List.of("page-a", "page-b", "page-c");
    for (String name : names) {
      create(name, "list-" + name);
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListVmsResponse page = plasma.vms.listVms(ListVmsRequest.newBuilder().setPageSize(2).setPageToken(token).build());
      assertTrue(page.getVmsCount() <= 2);
      page.getVmsList().forEach(vm -> seen.add(vm.getName()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty() && pages < 20);
    assertTrue(seen.containsAll(names), seen.toString());
    assertEquals(seen.size(), seen.stream().distinct().count(), "no VM twice");
    assertTrue(pages >= 2);
    for (String name : names) {
      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    }
    ListVmsResponse after = plasma.vms.listVms(ListVmsRequest.newBuilder().setPageSize(500).build());
    assertTrue(after.getVmsList().stream().noneMatch(vm -> names.contains(vm.getName())));
  }

  /** The filter reads visibility, which follows a VM's state within milliseconds: the test waits for it. */
  @Test
  void listVmsFiltersByStateAndHost() throws Exception {
    create("filter-created", "filter-created");
    plasma.vms.createVm(CreateVmRequest.newBuilder().setName("filter-running").setSpec(bare()).setStart(true).build());
    List<String> running = awaitListed(ListVmsRequest.newBuilder().setState(VmState.VM_STATE_RUNNING).build(), "filter-running");
    assertFalse(running.contains("filter-created"), running.toString());
    List<String> created = awaitListed(ListVmsRequest.newBuilder().setState(VmState.VM_STATE_CREATED).setHostId("e2e-host").build(),
        "filter-created");
    assertFalse(created.contains("filter-running"), created.toString());
    assertEquals(0, plasma.vms.listVms(ListVmsRequest.newBuilder().setHostId("another-host").build()).getVmsCount());
    for (String name : List.of("filter-created", "filter-running")) {
      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    }
  }

  private List<String> awaitListed(ListVmsRequest request, String name) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<String> names;
    do {
      names = plasma.vms.listVms(request).getVmsList().stream().map(Vm::getName).toList();
      if (names.contains(name)) {
        return names;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError(name + " not listed for " + request + " within 10 s: " + names);
  }

  @Test
  void errorsCarryStructuredDetails() throws Exception {
    StatusRuntimeException invalid = fails(Status.Code.INVALID_ARGUMENT, () -> plasma.vms.createVm(CreateVmRequest.newBuilder()
        .setName("details").setSpec(bare().toBuilder().setMemoryMib(4)).build()));
    com.google.rpc.Status status = StatusProto.fromThrowable(invalid);
    BadRequest badRequest = unpack(status, BadRequest.class);
    assertEquals("spec.memory_mib", badRequest.getFieldViolations(0).getField());
    assertEquals("INVALID_FIELD", unpack(status, ErrorInfo.class).getReason());

    StatusRuntimeException missing = fails(Status.Code.NOT_FOUND, () -> plasma.vms.getVm(GetVmRequest.newBuilder().setName("nobody").build()));
    ResourceInfo resource = unpack(StatusProto.fromThrowable(missing), ResourceInfo.class);
    assertEquals("plasmavmc.v1.Vm", resource.getResourceType());
    assertEquals("nobody", resource.getResourceName());

    create("details", "details"); // CREATED
    StatusRuntimeException illegal = fails(Status.Code.FAILED_PRECONDITION,
        () -> plasma.vms.pauseVm(PauseVmRequest.newBuilder().setName("details").build()));
    com.google.rpc.Status illegalStatus = StatusProto.fromThrowable(illegal);
    ErrorInfo info = unpack(illegalStatus, ErrorInfo.class);
    assertEquals("ILLEGAL_TRANSITION", info.getReason());
    assertEquals("CREATED", info.getMetadataOrThrow("state"));
    assertEquals("RUNNING", info.getMetadataOrThrow("allowed_states"));
    assertEquals("vms/details", unpack(illegalStatus, PreconditionFailure.class).getViolations(0).getSubject());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("details").build());
  }

  private static <T extends Message> T unpack(com.google.rpc.Status status, Class<T> type) throws Exception {
    for (Any detail : status.getDetailsList()) {
      if (detail.is(type)) {
        return detail.unpack(type);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + status);
  }

  @Test
  void watchStreamsAreBoundedPerCaller() throws Exception {
    create("watched-many", "watched-many");
    int cap = VmWatcher.MAX_STREAMS_PER_CALLER;
    List<Context.CancellableContext> open = new ArrayList<>();
    try {
      for (int i = 0; i < cap; i++) {
        CompletableFuture<Object> first = watch(open);
        assertTrue(first.get(10, TimeUnit.SECONDS) instanceof VmEvent, "stream " + i + " runs");
      }
      Object refused = watch(open).get(10, TimeUnit.SECONDS);
      assertTrue(refused instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
          && e.getStatus().getDescription().contains("per caller"), String.valueOf(refused));
      open.remove(0).cancel(null); // one stream ends: room for another
      CompletableFuture<Object> again;
      long deadline = System.nanoTime() + 10_000_000_000L;
      do {
        again = watch(open);
      } while (!(again.get(10, TimeUnit.SECONDS) instanceof VmEvent) && System.nanoTime() < deadline);
      assertTrue(again.get() instanceof VmEvent, "a cancelled stream frees its place");
    } finally {
      open.forEach(context -> context.cancel(null));
      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("watched-many").build());
    }
  }

  /** Opens a WatchVm stream in a context of its own (added to {@code open}); completes with its first event or its error. */
  private CompletableFuture<Object> watch(List<Context.CancellableContext> open) {
    CompletableFuture<Object> first = new CompletableFuture<>();
    Context.CancellableContext context = Context.current().withCancellation();
    open.add(context);
    context.run(() -> VmServiceGrpc.newStub(plasma.channel).withCallCredentials(plasma.admin)
        .watchVm(WatchVmRequest.newBuilder().setName("watched-many").build(), new StreamObserver<>() {
          @Override
          public void onNext(VmEvent value) {
            first.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            first.complete(t);
          }

          @Override
          public void onCompleted() {}
        }));
    return first;
  }

  @Test
  void healthAndReflectionAreServed() throws Exception {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(plasma.channel)
        .check(HealthCheckRequest.newBuilder().setService("plasmavmc.v1.VmService").build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());

    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(plasma.channel)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    ServerReflectionResponse response = answer.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    assertTrue(response.getListServicesResponse().getServiceList().stream()
        .anyMatch(s -> s.getName().equals("plasmavmc.v1.VmService")));
  }
}
