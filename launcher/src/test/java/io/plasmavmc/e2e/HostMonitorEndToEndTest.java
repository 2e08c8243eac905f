package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.api.v1.WatchVmRequest;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What QEMU does by itself reaches GetVm within a second, through the host monitor's signals. */
class HostMonitorEndToEndTest {
  private static PlasmaVmcHarness plasma;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(3));
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  private Vm get(String name) {
    return plasma.vms.getVm(GetVmRequest.newBuilder().setName(name).build());
  }

  /** Polls GetVm until the VM is in {@code state}; returns how long that took after {@code since}. */
  private long awaitState(String name, VmState state, long since, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (get(name).getState() == state) {
        return (System.nanoTime() - since) / 1_000_000;
      }
      Thread.sleep(10);
    }
    throw new AssertionError(name + " did not become " + state + " within " + timeout + "; it is " + get(name));
  }

  @Test
  void aGuestThatPowersItselfOffIsStoppedWithinASecond() throws Exception {
    VmSpec spec = VmLifecycleEndToEndTest.guest("stubborn").toBuilder()
        .setKernelCmdline(TestGuest.CMDLINE + " plasmavmc.poweroff_after=1").build();
    plasma.vms.createVm(CreateVmRequest.newBuilder().setName("selfstop").setSpec(spec).setStart(true).build());
    TestGuest.awaitReady(plasma.vmDir("selfstop").resolve("serial.log"), 1, Duration.ofSeconds(90));
    // The guest powers off one second after its ready marker; wait for QEMU to go, then for GetVm.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!QemuProcessTable.livePidsMentioning(plasma.vmDir("selfstop")).isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    long gone = System.nanoTime();
    long millis = awaitState("selfstop", VmState.VM_STATE_STOPPED, gone, Duration.ofSeconds(5));
    System.out.println("guest power-off reflected by GetVm " + millis + " ms after QEMU exited");
    assertTrue(millis < 1000, "took " + millis + " ms");
    assertEquals("the guest powered off", get("selfstop").getStateReason());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("selfstop").build());
  }

  @Test
  void watchVmStreamsEachStateChangeUntilDeletion() throws Exception {
    Vm vm = plasma.vms.createVm(CreateVmRequest.newBuilder().setName("watched")
        .setSpec(GatewayErrorsEndToEndTest.bare()).setStart(true).build());
    BlockingQueue<VmEvent> events = new LinkedBlockingQueue<>();
    CountDownLatch ended = new CountDownLatch(1);
    VmServiceGrpc.newStub(plasma.channel).withCallCredentials(plasma.admin).watchVm(
        WatchVmRequest.newBuilder().setName("watched").build(), new StreamObserver<>() {
          @Override
          public void onNext(VmEvent value) {
            events.add(value);
          }

          @Override
          public void onError(Throwable t) {
            ended.countDown();
          }

          @Override
          public void onCompleted() {
            ended.countDown();
          }
        });
    assertEquals(VmState.VM_STATE_RUNNING, events.poll(5, TimeUnit.SECONDS).getState());
    long killedAt = System.nanoTime(); // at once: attached or not yet, the monitor reports the exit
    
    ProcessHandle.of(vm.getQemuPid()).orElseThrow().destroyForcibly();
    VmEvent crashed = events.poll(5, TimeUnit.SECONDS);
    long millis = (System.nanoTime() - killedAt) / 1_000_000;
    assertEquals(VmState.VM_STATE_CRASHED, crashed.getState());
    assertTrue(crashed.getReason().contains("without a shutdown event"), crashed.getReason());
    assertTrue(crashed.hasAt());
    System.out.println("WatchVm delivered CRASHED " + millis + " ms after the kill");
    assertTrue(millis < 1000, "took " + millis + " ms");

    plasma.vms.startVm(StartVmRequest.newBuilder().setName("watched").build());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("watched").build());
    assertTrue(ended.await(10, TimeUnit.SECONDS), "the stream ends with the VM");
    // Events also carry changes within a state (a new reason, QEMU's pid gone): collapse repeats.
    List<VmState> states = new ArrayList<>();
    events.forEach(e -> {
      if (states.isEmpty() || states.get(states.size() - 1) != e.getState()) {
        states.add(e.getState());
      }
    });
    // Every change after the crash, none lost even though start and delete took a few ms each.
    // (StartVm spawns QEMU and lets it run in one host activity: no CREATED in between.)
    assertEquals(List.of(VmState.VM_STATE_CREATING, VmState.VM_STATE_RUNNING,
        VmState.VM_STATE_DELETING, VmState.VM_STATE_DELETED), states, states.toString());
  }

  @Test
  void theConsoleLogHoldsWhatTheGuestPrinted() throws Exception {
    plasma.vms.createVm(CreateVmRequest.newBuilder().setName("console").setSpec(VmLifecycleEndToEndTest.guest("stubborn"))
        .setStart(true).build());
    TestGuest.awaitReady(plasma.vmDir("console").resolve("serial.log"), 1, Duration.ofSeconds(90));
    ConsoleLog log = plasma.vms.getConsoleLog(
        GetConsoleLogRequest.newBuilder().setName("console").build());
    assertTrue(log.getData().toStringUtf8().contains(TestGuest.READY_MARKER + " variant=stubborn"), log.getData().toStringUtf8());
    ConsoleLog tail = plasma.vms.getConsoleLog(
        GetConsoleLogRequest.newBuilder().setName("console").setMaxBytes(10).build());
    assertEquals(10, tail.getData().size());
    assertTrue(tail.getTruncated());
    assertEquals(log.getTotalBytes(), tail.getTotalBytes());
    String history = plasma.stack.client().fetchHistory("vm-console").toJson(false);
    assertTrue(!history.contains(Base64.getEncoder().encodeToString(TestGuest.READY_MARKER.getBytes()).substring(0, 12))
        && !history.contains(TestGuest.READY_MARKER), "console reads leave the VM's history as it was");
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("console").build());
    StatusRuntimeException gone = Assertions.assertThrows(StatusRuntimeException.class,
        () -> plasma.vms.getConsoleLog(GetConsoleLogRequest.newBuilder().setName("console").build()));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
  }

  @Test
  void aQemuKilledFromOutsideIsCrashedWithinASecondAndStartsAgain() throws Exception {
    Vm vm = plasma.vms.createVm(CreateVmRequest.newBuilder().setName("killed")
        .setSpec(GatewayErrorsEndToEndTest.bare()).setStart(true).build());
    // Killed at once, maybe before the monitor attached: a monitor that finds its QEMU gone reports the exit.
    long killedAt = System.nanoTime();
    ProcessHandle.of(vm.getQemuPid()).orElseThrow().destroyForcibly();
    long millis = awaitState("killed", VmState.VM_STATE_CRASHED, killedAt, Duration.ofSeconds(5));
    System.out.println("killed QEMU reflected by GetVm as CRASHED after " + millis + " ms");
    assertTrue(millis < 1000, "took " + millis + " ms");
    assertTrue(get("killed").getStateReason().contains("without a shutdown event"), get("killed").getStateReason());
    assertEquals(0, get("killed").getQemuPid());

    Vm restarted = plasma.vms.startVm(StartVmRequest.newBuilder().setName("killed").build());
    assertEquals(VmState.VM_STATE_RUNNING, restarted.getState());
    assertEquals(1, QemuProcessTable.livePidsMentioning(plasma.vmDir("killed")).size());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("killed").build());
  }
}
