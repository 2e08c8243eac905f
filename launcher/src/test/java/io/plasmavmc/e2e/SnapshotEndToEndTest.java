package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteSnapshotRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListSnapshotsRequest;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.RestoreSnapshotRequest;
import io.plasmavmc.api.v1.SnapshotVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmState;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Snapshots through the API on real QEMU, proved by the test guest's boot counter: every boot
 * counts itself into the VM's disk and prints "boots=N". A snapshot taken after boot 1, a reset
 * (boot 2 written), a restore, another reset: the guest counts boot 2 again, never 3 — its disk
 * went back to the snapshot.
 */
class SnapshotEndToEndTest {
  private static PlasmaVmcHarness plasma;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(5));
    TestImages.importTestDisk(plasma, "snap-guest");
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  private static Vm create(String name) {
    return plasma.vms.withDeadlineAfter(4, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(name)
        .setSpec(TestImages.bootingFrom("snap-guest")).setStart(true).setWaitForReady(true).build());
  }

  private static Vm snapshot(String vm, String snapshot) {
    return plasma.vms.withDeadlineAfter(2, TimeUnit.MINUTES).snapshotVm(SnapshotVmRequest.newBuilder().setName(vm).setSnapshot(snapshot)
        .build());
  }

  private static Vm restore(String vm, String snapshot) {
    return plasma.vms.withDeadlineAfter(2, TimeUnit.MINUTES).restoreSnapshot(RestoreSnapshotRequest.newBuilder().setName(vm)
        .setSnapshot(snapshot).build());
  }

  /** Waits for the guest's {@code n}-th boot count line; returns every count printed so far. */
  private static List<Integer> awaitBoots(String vm, int lines) throws InterruptedException {
    return TestImages.bootCounts(TestImages.awaitConsole(plasma, vm, console -> TestImages.bootCounts(console).size() >= lines,
        Duration.ofMinutes(3)));
  }

  @Test
  void aRunningVmReturnsToItsSnapshotRamAndDisk() throws Exception {
    create("snap-run");
    assertEquals(List.of(1), awaitBoots("snap-run", 1));
    Vm taken = snapshot("snap-run", "after-first-boot");
    assertEquals(VmState.VM_STATE_RUNNING, taken.getState(), "the guest runs on");
    assertTrue(taken.getSnapshots(0).getWithMemory());
    assertTrue(taken.getSnapshots(0).getVmStateBytes() > 0);

    plasma.vms.rebootVm(RebootVmRequest.newBuilder().setName("snap-run").build());
    assertEquals(List.of(1, 2), awaitBoots("snap-run", 2), "a reset: boot 2 written to the disk");

    Vm restored = restore("snap-run", "after-first-boot");
    assertEquals(VmState.VM_STATE_RUNNING, restored.getState());
    plasma.vms.rebootVm(RebootVmRequest.newBuilder().setName("snap-run").build());
    assertEquals(List.of(1, 2, 2), awaitBoots("snap-run", 3), "the disk went back to boot 1: the next boot is 2 again");
    assertEquals(List.of("after-first-boot"), plasma.vms.getVm(GetVmRequest.newBuilder().setName("snap-run").build())
        .getSnapshotsList().stream().map(s -> s.getName()).toList(), "GetVm lists the snapshot");

    StatusRuntimeException taken2 = assertThrows(StatusRuntimeException.class, () -> snapshot("snap-run", "after-first-boot"));
    assertEquals(Status.Code.ALREADY_EXISTS, taken2.getStatus().getCode());
    Vm left = plasma.vms.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName("snap-run").setSnapshot("after-first-boot").build());
    assertEquals(0, left.getSnapshotsCount());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("snap-run").build());
  }

  @Test
  void aStoppedVmsDiskOnlySnapshotLoadsOnlyWhileItIsStopped() throws Exception {
    create("snap-cold");
    awaitBoots("snap-cold", 1);
    plasma.vms.stopVm(StopVmRequest.newBuilder().setName("snap-cold").setTimeoutSeconds(60).build());
    Vm taken = snapshot("snap-cold", "cold");
    assertEquals(VmState.VM_STATE_STOPPED, taken.getState());
    assertFalse(taken.getSnapshots(0).getWithMemory(), "disks only");

    plasma.vms.withDeadlineAfter(4, TimeUnit.MINUTES).startVm(StartVmRequest.newBuilder().setName("snap-cold").setWaitForReady(true).build());
    // Each start is a new QEMU with a serial log of its own: the console holds this boot's count alone.
    assertEquals(List.of(2), awaitBoots("snap-cold", 1));
    StatusRuntimeException running = assertThrows(StatusRuntimeException.class, () -> restore("snap-cold", "cold"));
    assertEquals(Status.Code.FAILED_PRECONDITION, running.getStatus().getCode());
    assertTrue(running.getStatus().getDescription().contains("stop VM snap-cold first"), running.getStatus().getDescription());

    plasma.vms.stopVm(StopVmRequest.newBuilder().setName("snap-cold").setTimeoutSeconds(60).build());
    assertEquals(VmState.VM_STATE_STOPPED, restore("snap-cold", "cold").getState(), "a stopped VM stays stopped");
    plasma.vms.withDeadlineAfter(4, TimeUnit.MINUTES).startVm(StartVmRequest.newBuilder().setName("snap-cold").setWaitForReady(true).build());
    assertEquals(List.of(2), awaitBoots("snap-cold", 1), "the disk went back to boot 1: this boot is 2 again");
    assertEquals(1, plasma.vms.listSnapshots(ListSnapshotsRequest.newBuilder().setName("snap-cold").build()).getSnapshotsCount());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("snap-cold").build());
  }

  @Test
  void aVmWithoutADiskOfItsOwnCannotBeSnapshotted() {
    plasma.vms.withDeadlineAfter(4, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName("snap-kernel")
        .setSpec(VmLifecycleEndToEndTest.guest("graceful")).setStart(true).build());
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> snapshot("snap-kernel", "s"));
    assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("cannot take a snapshot as it is"), refused.getStatus().getDescription());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("snap-kernel").build());
  }
}
