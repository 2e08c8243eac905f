package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.StatusDetails.detail;
import static io.plasmavmc.gateway.StatusDetails.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.BadRequest;
import com.google.rpc.ResourceInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** MigrateVm over gRPC, through Temporal, to a fake VM workflow: what it checks, sends, and answers with. */
class MigrateRpcTest {
  private FakeVmServer gateway;
  private VmServiceGrpc.VmServiceBlockingStub vms;

  @BeforeEach
  void start() throws IOException {
    gateway = new FakeVmServer();
    vms = gateway.vms;
    FakeVmWorkflow.MIGRATIONS.set(0);
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private void create(String name) {
    vms.createVm(CreateVmRequest.newBuilder().setName(name).setRequestId("r-" + name).setHostId("h1")
        .setSpec(VmSpec.newBuilder().setMemoryMib(64)).build());
  }

  private static MigrateVmRequest.Builder migrate(String name) {
    return MigrateVmRequest.newBuilder().setName(name);
  }

  @Test
  void theVmAnswersFromItsNewHostAndARepeatedRequestJoinsTheMigrationItStarted() throws Exception {
    create("web");
    Vm moved = vms.migrateVm(migrate("web").setTargetHostId("h2").setMaxBandwidthMibps(200).setMaxDowntimeMs(50).build());
    assertEquals("h2", moved.getHostId());
    assertEquals("migrated from host h1 (200 MiB/s, 50 ms)", moved.getPlacementReason(), "the limits reach the workflow as given");
    Vm placed = vms.migrateVm(migrate("web").build());
    assertEquals("h3", placed.getHostId(), "no target: placement's");
    assertEquals("migrated from host h2 (1024 MiB/s, 300 ms)", placed.getPlacementReason(), "the defaults");

    MigrateVmRequest once = migrate("web").setTargetHostId("h4").setRequestId("move-web-1").build();
    List<CompletableFuture<Vm>> calls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> vms.migrateVm(once)));
    }
    for (CompletableFuture<Vm> call : calls) {
      assertEquals("h4", call.get().getHostId());
    }
    assertEquals(3, FakeVmWorkflow.MIGRATIONS.get(), "three calls with one request id migrated once (two before it)");
  }

  @Test
  void badFieldsAreRefusedNamingTheFieldBeforeTheVmIsAsked() {
    create("web");
    assertEquals("name", invalidField(migrate("")));
    assertEquals("target_host_id", invalidField(migrate("web").setTargetHostId("h 2")));
    assertEquals("max_bandwidth_mibps", invalidField(migrate("web").setMaxBandwidthMibps(100_001)));
    assertEquals("max_bandwidth_mibps", invalidField(migrate("web").setMaxBandwidthMibps(-1)), "a uint32 past 2^31 is no small number");
    assertEquals("max_downtime_ms", invalidField(migrate("web").setMaxDowntimeMs(60_001)));
    assertEquals("request_id", invalidField(migrate("web").setRequestId("a b")));
    assertEquals(0, FakeVmWorkflow.MIGRATIONS.get());
  }

  @Test
  void refusalsAndFailuresHaveTheirCodesAndReasons() {
    for (String name : List.of("stopped", "owning", "failing")) {
      create(name);
    }
    StatusRuntimeException stopped = refused(migrate("stopped"));
    assertEquals(Status.Code.FAILED_PRECONDITION, stopped.getStatus().getCode());
    assertEquals("ILLEGAL_TRANSITION", reason(stopped));

    StatusRuntimeException owning = refused(migrate("owning"));
    assertEquals(Status.Code.FAILED_PRECONDITION, owning.getStatus().getCode());
    assertEquals("MIGRATION_UNSUPPORTED", reason(owning));
    assertTrue(owning.getStatus().getDescription().contains("spec.disks[0]"), owning.getStatus().getDescription());

    StatusRuntimeException failed = refused(migrate("failing"));
    assertEquals(Status.Code.ABORTED, failed.getStatus().getCode());
    assertEquals("MIGRATION_FAILED", reason(failed));
    assertTrue(failed.getStatus().getDescription().endsWith("undone: the VM is RUNNING on host h1 as before"),
        failed.getStatus().getDescription());

    StatusRuntimeException unknown = refused(migrate("failing").setTargetHostId("h9"));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    assertEquals("HOST_NOT_FOUND", reason(unknown));
    assertEquals("hosts/h9", detail(unknown, ResourceInfo.class).getResourceName());

    StatusRuntimeException missing = refused(migrate("nonexistent"));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
  }

  private StatusRuntimeException refused(MigrateVmRequest.Builder request) {
    return assertThrows(StatusRuntimeException.class, () -> vms.migrateVm(request.build()));
  }

  private String invalidField(MigrateVmRequest.Builder request) {
    StatusRuntimeException invalid = refused(request);
    assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
    return detail(invalid, BadRequest.class).getFieldViolations(0).getField();
  }
}
