package io.plasmavmc.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CordonHostRequest;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.api.v1.WatchVmRequest;
import io.plasmavmc.e2e.LifecycleTestRunWaits;
import io.plasmavmc.gateway.GatewayServer;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.support.TemporalConnection;
import io.plasmavmc.worker.HostWorker;
import io.plasmavmc.worker.WorkerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults injected into a running PlasmaVMC on Temporal's real dev server: the host worker (its own
 * JVM) SIGKILLed at each step of the lifecycle and restarted, the Temporal server SIGKILLed
 * mid-operation (restarted on the same SQLite file), the gateway dropped mid-request, QEMU killed
 * or frozen. Each
 * operation must complete, each VM end in the right state, with exactly one QEMU while it runs and
 * none after. Prints a table of what was injected and what it did.
 */
@Tag("chaos")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosEndToEndTest {
  private static ChaosStack chaos;

  @BeforeAll
  static void up() throws Exception {
    chaos = ChaosStack.start("chaos", "chaos");
  }

  @AfterAll
  static void down() throws Exception {
    chaos.close();
  }

  private static VmSpec bare() {
    return VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).setAccelerator(Accelerator.ACCELERATOR_TCG).build();
  }

  private static Vm create(String name) {
    chaos.created(name);
    return chaos.vms().createVm(CreateVmRequest.newBuilder().setName(name).setSpec(bare()).setStart(true).setRequestId("chaos-" + name)
        .build());
  }

  private static Vm get(String name) {
    return chaos.get(name);
  }

  @Test
  @Order(1)
  void workerKilledDuringSpawn() throws Exception {
    chaos.killWorkerDuring("kill during spawn", "c-spawn", "VM c-spawn: starting QEMU", () -> create("c-spawn"), VmState.VM_STATE_RUNNING,
        1);
  }

  @Test
  @Order(2)
  void workerKilledAfterSpawnBeforeCont() throws Exception {
    chaos.killWorkerDuring("kill after spawn, before cont", "c-after-spawn", "VM c-after-spawn: QEMU pid",
        () -> create("c-after-spawn"), VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(3)
  void workerKilledDuringTheGracefulStopWait() throws Exception {
    create("c-graceful"); // no guest OS: it ignores the power button, so the durable timer decides
    long start = System.nanoTime();
    chaos.killWorkerDuring("kill during the graceful-stop wait", "c-graceful", "VM c-graceful: RUNNING -> STOPPING",
        () -> chaos.vms().stopVm(StopVmRequest.newBuilder().setName("c-graceful").setTimeoutSeconds(8).build()),
        VmState.VM_STATE_STOPPED, 0);
    long seconds = (System.nanoTime() - start) / 1_000_000_000;
    assertTrue(seconds >= 8, "the durable 8 s timer ran across the worker's death, " + seconds + " s");
    assertTrue(get("c-graceful").getStateReason().contains("stopped by PlasmaVMC"), get("c-graceful").getStateReason());
  }

  @Test
  @Order(4)
  void workerKilledDuringKill() throws Exception {
    create("c-kill");
    chaos.killWorkerDuring("kill during kill", "c-kill", "VM c-kill: ending pid",
        () -> chaos.vms().stopVm(StopVmRequest.newBuilder().setName("c-kill").setForce(true).build()), VmState.VM_STATE_STOPPED, 0);
  }

  @Test
  @Order(5)
  void workerKilledDuringDelete() throws Exception {
    create("c-delete");
    chaos.killWorkerDuring("kill during delete", "c-delete", "VM c-delete: RUNNING -> DELETING",
        () -> chaos.vms().deleteVm(DeleteVmRequest.newBuilder().setName("c-delete").build()).getVm(), VmState.VM_STATE_DELETED, 0);
    assertFalse(Files.exists(chaos.runtime.resolve("c-delete")), "runtime directory removed");
    assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> get("c-delete")).getStatus().getCode());
  }

  @Test
  @Order(6)
  void gatewayDroppedMidRequestAndTheClientRetries() throws Exception {
    CompletableFuture<Vm> first = CompletableFuture.supplyAsync(() -> create("c-gateway"));
    // Drop the gateway while CreateVm is in flight (it is stateless: nothing of the VM lives there).
    Thread.sleep(30);
    chaos.dropGateway();
    chaos.fault();
    assertThrows(Exception.class, () -> first.get(30, TimeUnit.SECONDS));
    chaos.startGateway();
    Vm retried = create("c-gateway"); // same request id
    Vm again = create("c-gateway");
    assertEquals(retried.getQemuPid(), again.getQemuPid(), "the same VM, not a second one");
    chaos.record("gateway dropped mid-CreateVm, client retries with the same request id", "gateway shut down mid-request",
        "c-gateway", retried.getState(), VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(7)
  void qemuKilledIsCrashedWithinASecondAndStartsAgain() throws Exception {
    Vm vm = create("c-qemu"); // killed at once, maybe before its monitor attached: the monitor then finds it gone
    long at = System.nanoTime();
    ProcessHandle.of(vm.getQemuPid()).orElseThrow().destroyForcibly();
    chaos.fault();
    while (get("c-qemu").getState() != VmState.VM_STATE_CRASHED && System.nanoTime() - at < 5_000_000_000L) {
      Thread.sleep(10);
    }
    long millis = (System.nanoTime() - at) / 1_000_000;
    assertEquals(VmState.VM_STATE_CRASHED, get("c-qemu").getState());
    assertTrue(millis < 1000, "CRASHED after " + millis + " ms");
    Vm restarted = chaos.vms().startVm(StartVmRequest.newBuilder().setName("c-qemu").build());
    chaos.record("QEMU SIGKILLed (CRASHED after " + millis + " ms), then StartVm", "QEMU SIGKILL", "c-qemu", restarted.getState(),
        VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(9)
  void aHostWhoseWorkerStaysAwayIsUnreachableAndRecovers() throws Exception {
    // Another host's worker: it serves the VM workflows (the control queue) while this host's is gone,
    // as in any cluster with more than one host.
    WorkflowServiceStubs peerService = TemporalConnection.plain(chaos.service.getOptions().getTarget()).connect(null);
    HostWorker peer = new HostWorker(WorkflowClient.newInstance(peerService),
        new WorkerSettings("chaos-peer", chaos.runtime.resolve("peer-host"), Path.of("/usr/bin/qemu-system-x86_64"),
            List.of(TestGuest.dir()), "off", "report", WorkerSettings.DEFAULT_QEMU_USER, null,
            HostStorage.under(chaos.runtime.resolve("peer-storage")))).start();
    // VMs take their host timeout from the gateway that creates them: a short one, so the test is quick.
    GatewayServer quick = new GatewayServer(chaos.client, chaos.settings(Duration.ofSeconds(3))).start();
    ManagedChannel quickChannel = Grpc.newChannelBuilder("127.0.0.1:" + quick.port(), InsecureChannelCredentials.create()).build();
    try {
      // The peer registers as a host too: cordoned, placement never puts a VM there, now or after it stops.
      cordonOnceRegistered(HostServiceGrpc.newBlockingStub(quickChannel).withCallCredentials(chaos.admin), "chaos-peer");
      VmServiceGrpc.VmServiceBlockingStub api = VmServiceGrpc.newBlockingStub(quickChannel).withCallCredentials(chaos.admin)
          .withDeadlineAfter(3, TimeUnit.MINUTES);
      chaos.created("c-hostloss");
      // Named: with the peer registered too, placement could choose either host, and this VM is the one whose host goes.
      Vm vm = api.createVm(CreateVmRequest.newBuilder().setName("c-hostloss").setSpec(bare()).setStart(true).setHostId("chaos").build());
      // A watcher sees the host go and come back.
      List<VmState> watched = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> watchedBack = CompletableFuture.runAsync(() -> {
        var events = VmServiceGrpc.newBlockingStub(quickChannel).withCallCredentials(chaos.admin).withDeadlineAfter(3, TimeUnit.MINUTES)
            .watchVm(WatchVmRequest.newBuilder().setName("c-hostloss").build());
        while (events.hasNext()) {
          watched.add(events.next().getState());
          if (watched.contains(VmState.VM_STATE_HOST_UNREACHABLE) && watched.get(watched.size() - 1) == VmState.VM_STATE_RUNNING) {
            return;
          }
        }
      });
      chaos.worker.kill();
      chaos.fault();
      long at = System.nanoTime();
      Vm seen = get("c-hostloss");
      while (seen.getState() != VmState.VM_STATE_HOST_UNREACHABLE && System.nanoTime() - at < 60_000_000_000L) {
        Thread.sleep(200);
        seen = get("c-hostloss");
      }
      long detected = (System.nanoTime() - at) / 1_000_000_000;
      assertEquals(VmState.VM_STATE_HOST_UNREACHABLE, seen.getState(), seen.getStateReason());
      assertEquals(VmState.VM_STATE_RUNNING, seen.getLastKnownState());
      assertTrue(seen.getStateReason().contains("host chaos unreachable"), seen.getStateReason());

      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> api.stopVm(StopVmRequest.newBuilder().setName("c-hostloss").setForce(true).build()));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
      assertTrue(e.getStatus().getDescription().contains("chaos"), "names the host: " + e.getStatus().getDescription());
      assertEquals(1, QemuProcessTable.livePidsMentioning(chaos.runtime.resolve("c-hostloss")).size(), "QEMU ran on, untouched");

      chaos.worker.start();
      long back = System.nanoTime();
      seen = get("c-hostloss");
      while (seen.getState() != VmState.VM_STATE_RUNNING && System.nanoTime() - back < 60_000_000_000L) {
        Thread.sleep(200);
        seen = get("c-hostloss");
      }
      long recovered = (System.nanoTime() - back) / 1_000_000_000;
      assertEquals(VmState.VM_STATE_RUNNING, seen.getState(), seen.getStateReason());
      assertEquals(vm.getQemuPid(), seen.getQemuPid(), "the same QEMU, re-attached");
      watchedBack.get(30, TimeUnit.SECONDS);
      assertTrue(watched.indexOf(VmState.VM_STATE_HOST_UNREACHABLE) > 0, "WatchVm: " + watched);
      chaos.record("host worker gone (HOST_UNREACHABLE after " + detected + " s, StopVm UNAVAILABLE naming the host), back (RUNNING after "
          + recovered + " s)", "worker SIGKILLed and kept away", "c-hostloss", seen.getState(), VmState.VM_STATE_RUNNING, 1);
      Vm stopped = api.stopVm(StopVmRequest.newBuilder().setName("c-hostloss").setForce(true).build());
      assertEquals(VmState.VM_STATE_STOPPED, stopped.getState(), "operations work again");
    } finally {
      quickChannel.shutdownNow();
      quick.close();
      peer.close();
      peerService.shutdownNow();
    }
  }

  @Test
  @Order(8)
  void aSilentMonitorGivesAClearErrorNotAHang() throws Exception {
    Vm vm = create("c-silent");
    new ProcessBuilder("kill", "-STOP", Long.toString(vm.getQemuPid())).start().waitFor();
    chaos.fault();
    long at = System.nanoTime();
    StatusRuntimeException e;
    try {
      e = assertThrows(StatusRuntimeException.class, () -> chaos.vms().pauseVm(PauseVmRequest.newBuilder().setName("c-silent").build()));
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(vm.getQemuPid())).start().waitFor();
    }
    long millis = (System.nanoTime() - at) / 1_000_000;
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains("no reply"), e.getStatus().getDescription());
    assertTrue(millis < 20_000, "answered in " + millis + " ms");
    // Once QEMU answers again, so does the VM.
    Vm paused = chaos.vms().pauseVm(PauseVmRequest.newBuilder().setName("c-silent").build());
    chaos.record("frozen QEMU (SIGSTOP): PauseVm failed after " + millis + " ms with DEADLINE_EXCEEDED; after SIGCONT it pauses",
        "QMP silent", "c-silent", paused.getState(), VmState.VM_STATE_PAUSED, 1);
  }

  @Test
  @Order(10)
  void temporalKilledDuringSpawn() throws Exception {
    Vm vm = chaos.killTemporalDuring("VM c-temporal-spawn: starting QEMU", () -> create("c-temporal-spawn"));
    chaos.record("Temporal server SIGKILLed during spawn (CreateVm), restarted on its SQLite file", "Temporal SIGKILL",
        "c-temporal-spawn", vm.getState(), VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(11)
  void temporalKilledDuringTheGracefulStopWait() throws Exception {
    create("c-temporal-stop"); // no guest OS: it ignores the power button, so the durable timer decides
    long start = System.nanoTime();
    Vm vm = chaos.killTemporalDuring("VM c-temporal-stop: RUNNING -> STOPPING",
        () -> chaos.vms().stopVm(StopVmRequest.newBuilder().setName("c-temporal-stop").setTimeoutSeconds(6).build()));
    long seconds = (System.nanoTime() - start) / 1_000_000_000;
    assertTrue(seconds >= 6, "the durable 6 s timer survived the server's death, " + seconds + " s");
    chaos.record("Temporal server SIGKILLed during the graceful-stop wait (StopVm, 6 s timer), restarted: stopped after " + seconds + " s",
        "Temporal SIGKILL", "c-temporal-stop", vm.getState(), VmState.VM_STATE_STOPPED, 0);
  }

  @Test
  @Order(12)
  void aQemuThatDiedWhileItsWorkerWasDownIsCrashedAsSoonAsTheWorkerReturns() throws Exception {
    Vm vm = create("c-unwatched");
    chaos.worker.kill();
    ProcessHandle qemu = ProcessHandle.of(vm.getQemuPid()).orElseThrow();
    qemu.destroyForcibly();
    qemu.onExit().get(10, TimeUnit.SECONDS);
    chaos.fault(); // (no worker answers GetVm now: the workflow runs on this host's worker)
    chaos.worker.start();
    long back = System.nanoTime();
    Vm seen = get("c-unwatched");
    while (seen.getState() != VmState.VM_STATE_CRASHED && System.nanoTime() - back < 30_000_000_000L) {
      Thread.sleep(10);
      seen = get("c-unwatched");
    }
    long millis = (System.nanoTime() - back) / 1_000_000;
    assertEquals(VmState.VM_STATE_CRASHED, seen.getState(), seen.getStateReason());
    assertTrue(millis < 1000, "CRASHED " + millis + " ms after the worker was back");
    chaos.record("QEMU SIGKILLed while its worker was down: CRASHED " + millis + " ms after the worker was back",
        "worker SIGKILL, then QEMU SIGKILL", "c-unwatched", seen.getState(), VmState.VM_STATE_CRASHED, 0);
  }

  /**
   * A lifecycle test run whose worker is SIGKILLed while an iteration's VM boots: the run (a
   * workflow) resumes on the restarted worker, every iteration passes, and none of its VMs is left.
   */
  @Test
  @Order(50)
  void aLifecycleTestRunWhoseWorkerIsKilledCompletesAndLeavesNoVm() throws Exception {
    var tests = LifecycleTestServiceGrpc.newBlockingStub(chaos.channel()).withCallCredentials(chaos.admin);
    VmSpec graceful = VmSpec.newBuilder().setMemoryMib(128).setAccelerator(Accelerator.ACCELERATOR_TCG).setNoNetwork(true)
        .setKernel(TestGuest.kernel().toString()).setInitrd(TestGuest.dir().resolve("initrd-graceful.img").toString())
        .setKernelCmdline(TestGuest.CMDLINE)
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern("PLASMAVMC-GUEST-READY").setTimeoutSeconds(300))
        .build();
    CompletableFuture<Void> killed = chaos.worker.killWhenItLogs("VM lt-chaos-2-1: CREATING -> RUNNING");
    tests.runLifecycleTest(RunLifecycleTestRequest.newBuilder().setRunId("lt-chaos").setSpec(graceful)
        .setIterations(3).build());
    killed.get(3, TimeUnit.MINUTES);
    chaos.fault();
    chaos.worker.start();
    LifecycleTestRun run = LifecycleTestRunWaits.awaitEnd(tests, "lt-chaos", Duration.ofMinutes(4));
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED, run.getState(), run.toString());
    assertEquals(3, run.getPassed());
    for (var attempt : run.getAttemptsList()) {
      StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> get(attempt.getVmName()));
      assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode(), attempt.getVmName());
    }
    chaos.record("lifecycle test run (3 iterations), worker SIGKILLed while iteration 2 boots", "worker SIGKILL", "lt-chaos-2-1",
        VmState.VM_STATE_DELETED, VmState.VM_STATE_DELETED, 0);
  }

  /** Cordons a host as soon as its worker has registered it (its worker does so from a thread of its own, at start). */
  private static void cordonOnceRegistered(HostServiceGrpc.HostServiceBlockingStub hosts, String hostId) throws InterruptedException {
    long end = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        hosts.cordonHost(CordonHostRequest.newBuilder().setId(hostId).setReason("serves the control queue only").build());
        return;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND || System.nanoTime() > end) {
          throw e;
        }
      }
      Thread.sleep(200);
    }
  }
}
