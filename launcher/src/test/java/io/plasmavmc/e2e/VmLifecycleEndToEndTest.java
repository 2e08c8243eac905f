package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.ResumeVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The lifecycle over real gRPC, through real Temporal workflows (embedded server), on real QEMU. */
class VmLifecycleEndToEndTest {
  private static PlasmaVmcHarness plasma;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(3));
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  static VmSpec guest(String variant) {
    return VmSpec.newBuilder()
        .setMemoryMib(128)
        .setAccelerator(Accelerator.ACCELERATOR_TCG)
        .setKernel(TestGuest.kernel().toString())
        .setInitrd(TestGuest.dir().resolve("initrd-" + variant + ".img").toString())
        .setKernelCmdline(TestGuest.CMDLINE)
        .setNoNetwork(true)
        .build();
  }

  private Vm get(String name) {
    return plasma.vms.getVm(GetVmRequest.newBuilder().setName(name).build());
  }

  /** The pid GetVm reports is the QEMU process running from this VM's runtime directory. */
  private void assertRealQemu(Vm vm) throws Exception {
    Path dir = plasma.vmDir(vm.getName());
    assertEquals(List.of(vm.getQemuPid()), QemuProcessTable.livePidsMentioning(dir));
    assertEquals(Long.toString(vm.getQemuPid()), Files.readString(dir.resolve("qemu.pid")).trim());
    assertTrue(LinuxProcesses.commandLine(vm.getQemuPid()).contains("guest=" + vm.getName()));
  }

  @Test
  void theGracefulGuestLivesItsWholeLifeThroughTheApi() throws Exception {
    String name = "lifecycle";
    Vm created = plasma.vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(guest("graceful")).setStart(true)
        .setRequestId("e2e-lifecycle").build());
    assertEquals(VmState.VM_STATE_RUNNING, created.getState());
    assertEquals("e2e-host", created.getHostId());
    Vm running = get(name);
    assertEquals(VmState.VM_STATE_RUNNING, running.getState());
    assertEquals("running", running.getQemuRunState());
    assertRealQemu(running);
    TestGuest.awaitReady(plasma.vmDir(name).resolve("serial.log"), 1, Duration.ofSeconds(90));

    Vm stopped = plasma.vms.stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(30).build());
    assertEquals(VmState.VM_STATE_STOPPED, stopped.getState());
    assertEquals("the guest powered off", stopped.getStateReason());
    assertEquals(0, stopped.getQemuPid());
    assertTrue(QemuProcessTable.livePidsMentioning(plasma.vmDir(name)).isEmpty());

    Vm restarted = plasma.vms.startVm(StartVmRequest.newBuilder().setName(name).build());
    assertEquals(VmState.VM_STATE_RUNNING, restarted.getState());
    assertRealQemu(get(name));

    Vm paused = plasma.vms.pauseVm(PauseVmRequest.newBuilder().setName(name).build());
    assertEquals(VmState.VM_STATE_PAUSED, paused.getState());
    assertEquals("paused", get(name).getQemuRunState());
    Vm resumed = plasma.vms.resumeVm(ResumeVmRequest.newBuilder().setName(name).build());
    assertEquals(VmState.VM_STATE_RUNNING, resumed.getState());
    assertEquals("running", get(name).getQemuRunState());

    TestGuest.awaitReady(plasma.vmDir(name).resolve("serial.log"), 1, Duration.ofSeconds(90));
    Vm rebooted = plasma.vms.rebootVm(RebootVmRequest.newBuilder().setName(name).build());
    assertEquals(VmState.VM_STATE_RUNNING, rebooted.getState());
    assertEquals(restarted.getQemuPid(), rebooted.getQemuPid(), "a reboot keeps the QEMU process");
    TestGuest.awaitReady(plasma.vmDir(name).resolve("serial.log"), 2, Duration.ofSeconds(90));

    Vm deleted = plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build()).getVm();
    assertEquals(VmState.VM_STATE_DELETED, deleted.getState());
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> get(name));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    assertFalse(Files.exists(plasma.vmDir(name)), "the runtime directory is removed");
    assertTrue(QemuProcessTable.livePidsMentioning(plasma.runtimeDir.resolve(name)).isEmpty());
    assertEquals(List.of("create", "stop", "start", "pause", "resume", "reboot", "delete"),
        deleted.getRecentOperationsList().stream().map(op -> op.getName()).toList());
  }

  @Test
  void theStubbornGuestIsForcedOffAfterItsTimeout() throws Exception {
    String name = "stubborn";
    plasma.vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(guest("stubborn")).setStart(true).build());
    TestGuest.awaitReady(plasma.vmDir(name).resolve("serial.log"), 1, Duration.ofSeconds(90));
    long start = System.nanoTime();
    Vm stopped = plasma.vms.stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(2).build());
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(VmState.VM_STATE_STOPPED, stopped.getState());
    assertTrue(stopped.getStateReason().contains("stopped by PlasmaVMC"), stopped.getStateReason());
    assertTrue(millis >= 2000 && millis < 15000, "forced off after the 2 s timeout, took " + millis + " ms");
    assertTrue(QemuProcessTable.livePidsMentioning(plasma.vmDir(name)).isEmpty(), "killed");
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    assertTrue(QemuProcessTable.livePidsMentioning(plasma.runtimeDir).stream()
        .noneMatch(pid -> LinuxProcesses.commandLine(pid).contains("guest=stubborn")));
  }
}
