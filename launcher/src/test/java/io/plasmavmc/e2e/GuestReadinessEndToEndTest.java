package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.GuestReadiness;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.api.v1.WatchVmRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Readiness by serial-console pattern, through the API, on real QEMU booting the test guest. */
class GuestReadinessEndToEndTest {
  private static final String MARKER = "PLASMAVMC-GUEST-READY variant=graceful";
  private static PlasmaVmcHarness plasma;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(5));
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  private static VmSpec probed(String pattern, int timeoutSeconds) {
    return VmLifecycleEndToEndTest.guest("graceful").toBuilder()
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(pattern).setTimeoutSeconds(timeoutSeconds)).build();
  }

  private static Instant instant(Timestamp ts) {
    return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
  }

  private String console(String name) throws Exception {
    return Files.readString(plasma.vmDir(name).resolve("serial.log"), StandardCharsets.ISO_8859_1);
  }

  @Test
  void createWaitsForTheGuestAndARebootWaitsAgain() throws Exception {
    String name = "ready";
    Instant before = Instant.now();
    Vm vm = plasma.vms.withDeadlineAfter(3, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(name)
        .setSpec(probed("GUEST-READY variant=(graceful|stubborn)", 120)).setStart(true).setWaitForReady(true).build());
    assertEquals(VmState.VM_STATE_RUNNING, vm.getState());
    assertTrue(vm.getGuestReady(), vm.toString());
    assertEquals(GuestReadiness.GUEST_READINESS_READY, vm.getGuestReadiness());
    assertTrue(console(name).contains(MARKER), "the guest did print its marker when CreateVm answered");
    Instant readyAt = instant(vm.getGuestReadyAt());
    assertTrue(readyAt.isAfter(before), readyAt + " after " + before);
    assertTrue(vm.getStateReason().startsWith("guest ready: serial pattern /GUEST-READY variant=(graceful|stubborn)/ matched"),
        vm.getStateReason());

    // A reboot is a new boot: the marker of the first one does not count.
    Instant rebootedAt = Instant.now();
    Vm rebooted = plasma.vms.withDeadlineAfter(3, TimeUnit.MINUTES).rebootVm(
        RebootVmRequest.newBuilder().setName(name).setWaitForReady(true).build());
    assertTrue(rebooted.getGuestReady());
    assertTrue(instant(rebooted.getGuestReadyAt()).isAfter(rebootedAt), "ready again after the reboot");
    assertEquals(2, console(name).split(MARKER, -1).length - 1, "the second boot printed its own marker");

    Vm stopped = plasma.vms.stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(30).build());
    assertEquals(VmState.VM_STATE_STOPPED, stopped.getState());
    assertFalse(stopped.getGuestReady(), "no guest, nothing ready");
    assertEquals(GuestReadiness.GUEST_READINESS_UNSPECIFIED, stopped.getGuestReadiness());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
  }

  @Test
  void watchVmReportsTheGuestBecomingReady() throws Exception {
    String name = "watched-ready";
    Vm vm = plasma.vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(probed("PLASMAVMC-GUEST-READY", 120))
        .setStart(true).build());
    assertEquals(GuestReadiness.GUEST_READINESS_WAITING, vm.getGuestReadiness(), "CreateVm answers at RUNNING, before the guest is up");
    Iterator<VmEvent> events = plasma.vms.withDeadlineAfter(2, TimeUnit.MINUTES).watchVm(WatchVmRequest.newBuilder().setName(name).build());
    List<GuestReadiness> seen = new ArrayList<>();
    while (events.hasNext()) {
      VmEvent event = events.next();
      seen.add(event.getVm().getGuestReadiness());
      if (event.getVm().getGuestReady()) {
        assertEquals(VmState.VM_STATE_RUNNING, event.getState());
        assertTrue(event.getReason().startsWith("guest ready"), event.getReason());
        break;
      }
    }
    assertEquals(GuestReadiness.GUEST_READINESS_READY, seen.get(seen.size() - 1), "WatchVm: " + seen);
    assertTrue(console(name).contains(MARKER));
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
  }

  @Test
  void aGuestThatNeverShowsThePatternFailsTheWaitAndStaysForInspection() {
    String name = "never-ready";
    long start = System.nanoTime();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> plasma.vms.withDeadlineAfter(2, TimeUnit.MINUTES)
        .createVm(CreateVmRequest.newBuilder().setName(name).setSpec(probed("NEVER-PRINTED", 3)).setStart(true).setWaitForReady(true).build()));
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains("serial pattern /NEVER-PRINTED/ not seen on the serial console within 3 s"),
        e.getStatus().getDescription());
    assertTrue(millis >= 3000, "the probe's 3 s ran out first, " + millis + " ms");
    Vm vm = plasma.vms.getVm(GetVmRequest.newBuilder().setName(name).build());
    assertEquals(VmState.VM_STATE_RUNNING, vm.getState(), "the VM stays");
    assertEquals(GuestReadiness.GUEST_READINESS_NOT_READY, vm.getGuestReadiness());
    assertTrue(vm.getQemuPid() > 0);
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
  }

  @Test
  void theGuestAgentSaysWhenTheGuestIsReadyAndPowersItOff() throws Exception {
    String name = "agent";
    VmSpec spec = VmLifecycleEndToEndTest.guest("agent").toBuilder().setGuestAgent(true)
        .setReadiness(ReadinessProbe.newBuilder().setGuestAgent(true).setTimeoutSeconds(120)).build();
    Vm vm;
    try {
      vm = plasma.vms.withDeadlineAfter(3, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(name).setSpec(spec)
          .setStart(true).setWaitForReady(true).build());
    } catch (StatusRuntimeException e) {
      System.out.println("console of the agent guest:\n" + console(name)); // for whoever reads this failure
      throw e;
    }
    assertTrue(vm.getGuestReady(), vm.toString());
    assertTrue(vm.getStateReason().startsWith("guest ready: the guest agent (guest-sync) answered"), vm.getStateReason());

    Vm stopped = plasma.vms.stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(60).build());
    assertEquals(VmState.VM_STATE_STOPPED, stopped.getState());
    assertEquals("the guest powered off (asked by its guest agent)", stopped.getStateReason());
    assertTrue(console(name).contains("guest: the guest agent asked to power off"), "the agent, not the power button, stopped it");
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
  }

  @Test
  void aBadProbeIsRefusedNamingTheField() {
    StatusRuntimeException badPattern = assertThrows(StatusRuntimeException.class, () -> plasma.vms.createVm(CreateVmRequest.newBuilder()
        .setName("bad-probe").setSpec(probed("(unclosed", 10)).setStart(true).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, badPattern.getStatus().getCode());
    assertTrue(badPattern.getStatus().getDescription().startsWith("spec.readiness.serial_pattern"), badPattern.getStatus().getDescription());
    StatusRuntimeException badTimeout = assertThrows(StatusRuntimeException.class, () -> plasma.vms.createVm(CreateVmRequest.newBuilder()
        .setName("bad-probe").setSpec(probed("login:", -1)).setStart(true).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, badTimeout.getStatus().getCode());
    assertTrue(badTimeout.getStatus().getDescription().startsWith("spec.readiness.timeout_seconds"), badTimeout.getStatus().getDescription());
    StatusRuntimeException noChannel = assertThrows(StatusRuntimeException.class, () -> plasma.vms.createVm(CreateVmRequest.newBuilder()
        .setName("bad-probe").setSpec(VmLifecycleEndToEndTest.guest("graceful").toBuilder()
            .setReadiness(ReadinessProbe.newBuilder().setGuestAgent(true))).setStart(true).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, noChannel.getStatus().getCode());
    assertTrue(noChannel.getStatus().getDescription().startsWith("spec.readiness.guest_agent"), noChannel.getStatus().getDescription());
    StatusRuntimeException noProbe = assertThrows(StatusRuntimeException.class, () -> plasma.vms.createVm(CreateVmRequest.newBuilder()
        .setName("bad-probe").setSpec(VmLifecycleEndToEndTest.guest("graceful")).setStart(true).setWaitForReady(true).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, noProbe.getStatus().getCode());
    assertTrue(noProbe.getStatus().getDescription().startsWith("wait_for_ready"), noProbe.getStatus().getDescription());
    assertThrows(StatusRuntimeException.class, () -> plasma.vms.getVm(GetVmRequest.newBuilder().setName("bad-probe").build()),
        "nothing was created");
  }
}
