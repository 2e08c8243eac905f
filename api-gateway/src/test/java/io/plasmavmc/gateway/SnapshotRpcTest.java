package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.StatusDetails.detail;
import static io.plasmavmc.gateway.StatusDetails.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.PreconditionFailure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.DeleteSnapshotRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.ListSnapshotsRequest;
import io.plasmavmc.api.v1.RestoreSnapshotRequest;
import io.plasmavmc.api.v1.SnapshotVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmWorkflow;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SnapshotVm, ListSnapshots, RestoreSnapshot, DeleteSnapshot and DeleteVm keep_disks over gRPC, through Temporal, to a fake VM workflow. */
class SnapshotRpcTest {
  private FakeVmServer gateway;
  private VmServiceGrpc.VmServiceBlockingStub vms;

  @BeforeEach
  void start() throws IOException {
    gateway = new FakeVmServer();
    vms = gateway.vms;
    run("demo", DiskSpec.fromImage("debian-12", 20));
    run("plain", new DiskSpec("/var/lib/plasmavmc/images/data.raw", DiskFormat.RAW, false));
  }

  private void run(String name, DiskSpec disk) {
    VmWorkflow vm = gateway.temporal.getWorkflowClient().newWorkflowStub(VmWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(TaskQueues.workflowId(name)).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(vm::run, new VmWorkflowInput(name, name, "r1", VmSpec.of(name).withDisks(List.of(disk)), "h1", true, null, null));
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  private Vm snapshot(String vm, String snapshot) {
    return vms.snapshotVm(SnapshotVmRequest.newBuilder().setName(vm).setSnapshot(snapshot).build());
  }

  private StatusRuntimeException refused(Runnable call) {
    return assertThrows(StatusRuntimeException.class, call::run);
  }

  @Test
  void snapshotsAreTakenListedRestoredAndDeleted() {
    Vm taken = snapshot("demo", "before-upgrade");
    assertEquals(List.of("before-upgrade"), taken.getSnapshotsList().stream().map(s -> s.getName()).toList());
    assertTrue(taken.getSnapshots(0).getWithMemory());
    assertEquals(130L << 20, taken.getSnapshots(0).getVmStateBytes());
    snapshot("demo", "after-upgrade");
    assertEquals(List.of("before-upgrade", "after-upgrade"), vms.listSnapshots(ListSnapshotsRequest.newBuilder().setName("demo").build())
        .getSnapshotsList().stream().map(s -> s.getName()).toList());

    vms.restoreSnapshot(RestoreSnapshotRequest.newBuilder().setName("demo").setSnapshot("before-upgrade").build());
    Vm left = vms.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName("demo").setSnapshot("before-upgrade").build());
    assertEquals(List.of("after-upgrade"), left.getSnapshotsList().stream().map(s -> s.getName()).toList());
  }

  @Test
  void eachRefusalHasItsCodeAndReasonAndNamesTheSnapshot() {
    snapshot("demo", "s1");
    StatusRuntimeException exists = refused(() -> snapshot("demo", "s1"));
    assertEquals(Status.Code.ALREADY_EXISTS, exists.getStatus().getCode());
    assertEquals("SNAPSHOT_EXISTS", reason(exists));
    assertEquals("VM demo has a snapshot s1 already", exists.getStatus().getDescription());

    StatusRuntimeException missing = refused(() -> vms.restoreSnapshot(RestoreSnapshotRequest.newBuilder().setName("demo")
        .setSnapshot("nope").build()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    assertEquals("SNAPSHOT_NOT_FOUND", reason(missing));

    StatusRuntimeException unsupported = refused(() -> snapshot("plain", "s1"));
    assertEquals(Status.Code.FAILED_PRECONDITION, unsupported.getStatus().getCode());
    assertEquals("SNAPSHOT_UNSUPPORTED", reason(unsupported));
    assertEquals("vms/plain", detail(unsupported, PreconditionFailure.class).getViolations(0).getSubject());
    for (StatusRuntimeException e : List.of(exists, missing, unsupported)) {
      assertFalse(e.getStatus().getDescription().contains("/var/lib"), e.getStatus().getDescription());
    }

    StatusRuntimeException noVm = refused(() -> snapshot("ghost", "s1"));
    assertEquals(Status.Code.NOT_FOUND, noVm.getStatus().getCode());
    assertEquals("VM_NOT_FOUND", reason(noVm));

    for (String bad : List.of("", "../x", "a b", "-x", "x".repeat(64), "a,b")) {
      StatusRuntimeException invalid = refused(() -> snapshot("demo", bad));
      assertEquals(Status.Code.INVALID_ARGUMENT, invalid.getStatus().getCode());
      assertTrue(invalid.getStatus().getDescription().startsWith("snapshot: "), invalid.getStatus().getDescription());
    }
  }

  @Test
  void aVmHasAtMostItsBoundOfSnapshots() {
    for (int i = 0; i < SnapshotRequest.MAX_SNAPSHOTS; i++) {
      snapshot("demo", "s" + i);
    }
    StatusRuntimeException full = refused(() -> snapshot("demo", "one-more"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
    assertEquals("SNAPSHOT_LIMIT", reason(full));
  }

  @Test
  void deleteVmPassesKeepDisks() {
    vms.deleteVm(DeleteVmRequest.newBuilder().setName("demo").setKeepDisks(true).build());
    assertTrue(FakeVmWorkflow.LAST_DELETE.get().keepDisks());
    vms.deleteVm(DeleteVmRequest.newBuilder().setName("plain").build());
    assertFalse(FakeVmWorkflow.LAST_DELETE.get().keepDisks());
  }
}
