package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.StatusDetails.detail;
import static io.plasmavmc.gateway.StatusDetails.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.rpc.BadRequest;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.Placement;
import io.plasmavmc.api.v1.PlacementPolicy;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.contract.fleet.PlacementRequest;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** CreateVm's placement over gRPC, through Temporal, to a fake VM workflow: what it sends, what a client gets back. */
class PlacementRpcTest {
  private FakeVmServer gateway;
  private VmServiceGrpc.VmServiceBlockingStub vms;

  @BeforeEach
  void start() throws IOException {
    FakeVmWorkflow.LAST_INPUT.set(null);
    gateway = new FakeVmServer();
    vms = gateway.vms;
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private static CreateVmRequest.Builder create(String name) {
    return CreateVmRequest.newBuilder().setName(name).setRequestId("r-" + name).setSpec(VmSpec.newBuilder().setMemoryMib(64));
  }

  @Test
  void withoutAHostTheVmIsPlacedByPolicyAndLabelsAndSaysWhy() {
    Vm placed = vms.createVm(create("web").setPlacement(Placement.newBuilder().setPolicy(PlacementPolicy.PLACEMENT_POLICY_PACK)
        .putLabels("zone", "a")).build());
    assertEquals("h2", placed.getHostId());
    assertEquals(FakeVmWorkflow.PLACED, placed.getPlacementReason());
    assertNull(FakeVmWorkflow.LAST_INPUT.get().hostId(), "no host named: placement chooses, not the gateway's default host");
    assertPlacement(null, "PACK", Map.of("zone", "a"));

    Vm named = vms.createVm(create("db").setHostId("h1").build());
    assertEquals("h1", named.getHostId());
    assertEquals("", named.getPlacementReason());
    assertPlacement("h1", "SPREAD", Map.of()); // a named host wins; spread by default
  }

  private static void assertPlacement(String hostId, String policy, Map<String, String> labels) {
    PlacementRequest sent = FakeVmWorkflow.LAST_INPUT.get().placement();
    assertEquals(hostId, sent.hostId());
    assertEquals(policy, sent.policy().name());
    assertEquals(labels, sent.labels());
  }

  @Test
  void badLabelsAndPoliciesAreRefusedNamingTheirFieldBeforeAnythingStarts() {
    assertEquals("placement.labels[zone]", invalidField(create("web").setPlacement(Placement.newBuilder().putLabels("zone", "a b"))));
    assertEquals("placement.labels", invalidField(create("web").setPlacement(Placement.newBuilder().putLabels("z one", "a"))));
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 17; i++) {
      many.put("k" + i, "v");
    }
    assertEquals("placement.labels", invalidField(create("web").setPlacement(Placement.newBuilder().putAllLabels(many))));
    assertEquals("placement.policy", invalidField(create("web").setPlacement(Placement.newBuilder().setPolicyValue(7))));
    assertNull(FakeVmWorkflow.LAST_INPUT.get(), "no workflow started");
  }

  @Test
  void placementsRefusalsHaveTheirCodesAndReasons() {
    StatusRuntimeException cordoned = refused(create("cordoned").setHostId("h1"));
    assertEquals(Status.Code.FAILED_PRECONDITION, cordoned.getStatus().getCode());
    assertEquals("HOST_CORDONED", reason(cordoned));
    assertEquals("hosts/h1", detail(cordoned, PreconditionFailure.class).getViolations(0).getSubject());
    assertEquals("host h1 is cordoned (kernel upgrade): it takes no new VMs", cordoned.getStatus().getDescription());

    StatusRuntimeException unknown = refused(create("unknown-host").setHostId("h9"));
    assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    assertEquals("HOST_NOT_FOUND", reason(unknown));
    assertEquals("hosts/h9", detail(unknown, ResourceInfo.class).getResourceName());

    StatusRuntimeException full = refused(create("nowhere"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
    assertEquals("NO_HOST_FITS", reason(full));
    assertEquals("no host has room for 64 GiB of memory: the most left is 7.5 GiB (h2)", full.getStatus().getDescription());
  }

  private StatusRuntimeException refused(CreateVmRequest.Builder request) {
    return assertThrows(StatusRuntimeException.class, () -> vms.createVm(request.build()));
  }

  private String invalidField(CreateVmRequest.Builder request) {
    StatusRuntimeException invalid = refused(request);
    assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
    return detail(invalid, BadRequest.class).getFieldViolations(0).getField();
  }
}
