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
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
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
import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.e2e.LifecycleTestRunWaits;
import io.plasmavmc.gateway.GatewaySecurity;
import io.plasmavmc.gateway.GatewayServer;
import io.plasmavmc.gateway.GatewaySettings;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalCredentials;
import io.plasmavmc.launcher.TemporalCli;
import io.plasmavmc.launcher.TemporalDevServer;
import io.plasmavmc.support.TemporalConnection;
import io.plasmavmc.worker.HostWorker;
import io.plasmavmc.worker.WorkerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
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
  private static final List<String> TABLE = new ArrayList<>();
  private static int faults;
  private static int completed;
  private static int orphans;
  private static int duplicates;

  private static Path runtime;
  private static Path temporalData;
  private static Path configDir;
  private static BearerToken admin;
  private static TemporalDevServer temporal;
  private static WorkflowServiceStubs service;
  private static WorkflowClient client;
  private static GatewayServer gateway;
  private static ManagedChannel channel;
  private static VmServiceGrpc.VmServiceBlockingStub stub;
  private static final Set<String> CREATED = ConcurrentHashMap.newKeySet();
  private static PlasmaVmcProcess worker;

  @BeforeAll
  static void up() throws Exception {
    runtime = Files.createTempDirectory("plasmavmc-chaos");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    temporalData = Files.createTempDirectory("plasmavmc-chaos-temporal");
    configDir = Files.createTempDirectory("plasmavmc-chaos-config");
    LocalCredentials.ensure(configDir);
    admin = new BearerToken(LocalCredentials.readToken(configDir).orElseThrow());
    temporal = TemporalDevServer.start(new TemporalDevServer.Settings(
        TemporalCli.find().orElseThrow(() -> new IllegalStateException("no Temporal CLI: run tools/install-temporal.sh")),
        port, -1, temporalData), Duration.ofSeconds(60));
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
    client = WorkflowClient.newInstance(service);
    worker = PlasmaVmcProcess.hostWorker("127.0.0.1:" + port, "chaos", runtime, TestGuest.dir());
    worker.start();
    startGateway();
  }

  private static void startGateway() {
    gateway = new GatewayServer(client, settings(Duration.ofSeconds(60))).start();
    channel = Grpc.newChannelBuilder("127.0.0.1:" + gateway.port(), InsecureChannelCredentials.create()).build();
    stub = VmServiceGrpc.newBlockingStub(channel).withCallCredentials(admin);
  }

  private static GatewaySettings settings(Duration hostTimeout) {
    return new GatewaySettings("127.0.0.1", 0, "chaos", hostTimeout,
        GatewaySecurity.tokens(LocalCredentials.tokensFile(configDir)));
  }

  /** A stub whose deadline starts now: every call gets its own two minutes. */
  private static VmServiceGrpc.VmServiceBlockingStub vms() {
    return stub.withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  @AfterAll
  static void down() throws Exception {
    System.out.println();
    System.out.println("| scenario | fault injected | operation completed | end state | QEMU for the VM | orphans |");
    System.out.println("|---|---|---|---|---|---|");
    TABLE.forEach(System.out::println);
    System.out.printf("chaos: %d faults injected, %d/%d operations completed, %d orphan QEMU processes, %d duplicate QEMU processes%n",
        faults, completed, faults, orphans, duplicates);
    channel.shutdownNow();
    gateway.close();
    worker.kill();
    service.shutdownNow();
    temporal.close();
    for (Long pid : QemuProcessTable.livePidsMentioning(runtime)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    ScratchDirectories.delete(runtime, temporalData, configDir);
  }

  private static VmSpec bare() {
    return VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).setAccelerator(Accelerator.ACCELERATOR_TCG).build();
  }

  private static Vm create(String name) {
    CREATED.add(name);
    return vms().createVm(CreateVmRequest.newBuilder().setName(name).setSpec(bare()).setStart(true).setRequestId("chaos-" + name).build());
  }

  private static Vm get(String name) {
    return stub.withDeadlineAfter(15, TimeUnit.SECONDS).getVm(GetVmRequest.newBuilder().setName(name).build());
  }

  /**
   * Runs {@code operation} while the worker is SIGKILLed when it logs {@code trigger}, restarts
   * the worker, and checks the outcome: the operation completes, the VM ends in {@code expected}
   * with {@code qemus} QEMU processes, and no QEMU runs for a VM that should have none.
   */
  private static void killWorkerDuring(String scenario, String vm, String trigger, Supplier<Vm> operation, VmState expected, int qemus)
      throws Exception {
    CompletableFuture<Void> killed = worker.killWhenItLogs(trigger);
    CompletableFuture<Vm> result = CompletableFuture.supplyAsync(operation);
    killed.get(60, TimeUnit.SECONDS);
    faults++;
    assertFalse(worker.alive());
    worker.start();
    Vm vm1;
    try {
      vm1 = result.get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      // Show where the VM's workflow stands, for whoever reads this failure.
      client.fetchHistory("vm-" + vm).getEvents().forEach(event ->
          System.out.println("  history of vm-" + vm + ": " + event.getEventId() + " " + event.getEventType()));
      throw e;
    }
    record(scenario, "worker SIGKILLed at \"" + trigger + "\"", vm, vm1.getState(), expected, qemus);
  }

  private static void record(String scenario, String fault, String vm, VmState state, VmState expected, int qemus) {
    Path dir = runtime.resolve(vm);
    int running = QemuProcessTable.livePidsMentioning(dir).size();
    int strays = 0;
    for (long pid : QemuProcessTable.livePidsMentioning(runtime)) {
      String cmd = LinuxProcesses.commandLine(pid);
      boolean expectedAlive = false;
      for (String name : CREATED) {
        if (cmd.contains(runtime.resolve(name) + "/")) {
          try {
            expectedAlive = get(name).getQemuPid() == pid;
          } catch (StatusRuntimeException e) {
            expectedAlive = false;
          }
        }
      }
      if (!expectedAlive) {
        strays++;
      }
    }
    boolean ok = state == expected && running == qemus && strays == 0;
    if (state == expected) {
      completed++;
    }
    orphans += strays;
    duplicates += Math.max(0, running - 1);
    TABLE.add(String.format("| %s | %s | %s | %s | %d | %d |", scenario, fault, state == expected ? "yes" : "NO", state, running, strays));
    assertEquals(expected, state, scenario);
    assertEquals(qemus, running, scenario + ": QEMU processes of " + vm);
    assertEquals(0, strays, scenario + ": QEMU processes that belong to no VM");
    assertTrue(ok);
  }

  @Test
  @Order(1)
  void workerKilledDuringSpawn() throws Exception {
    killWorkerDuring("kill during spawn", "c-spawn", "VM c-spawn: starting QEMU", () -> create("c-spawn"), VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(2)
  void workerKilledAfterSpawnBeforeCont() throws Exception {
    killWorkerDuring("kill after spawn, before cont", "c-after-spawn", "VM c-after-spawn: QEMU pid",
        () -> create("c-after-spawn"), VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(3)
  void workerKilledDuringTheGracefulStopWait() throws Exception {
    create("c-graceful"); // no guest OS: it ignores the power button, so the durable timer decides
    long start = System.nanoTime();
    killWorkerDuring("kill during the graceful-stop wait", "c-graceful", "VM c-graceful: RUNNING -> STOPPING",
        () -> vms().stopVm(StopVmRequest.newBuilder().setName("c-graceful").setTimeoutSeconds(8).build()), VmState.VM_STATE_STOPPED, 0);
    long seconds = (System.nanoTime() - start) / 1_000_000_000;
    assertTrue(seconds >= 8, "the durable 8 s timer ran across the worker's death, " + seconds + " s");
    assertTrue(get("c-graceful").getStateReason().contains("stopped by PlasmaVMC"), get("c-graceful").getStateReason());
  }

  @Test
  @Order(4)
  void workerKilledDuringKill() throws Exception {
    create("c-kill");
    killWorkerDuring("kill during kill", "c-kill", "VM c-kill: ending pid",
        () -> vms().stopVm(StopVmRequest.newBuilder().setName("c-kill").setForce(true).build()), VmState.VM_STATE_STOPPED, 0);
  }

  @Test
  @Order(5)
  void workerKilledDuringDelete() throws Exception {
    create("c-delete");
    killWorkerDuring("kill during delete", "c-delete", "VM c-delete: RUNNING -> DELETING",
        () -> vms().deleteVm(DeleteVmRequest.newBuilder().setName("c-delete").build()).getVm(), VmState.VM_STATE_DELETED, 0);
    assertFalse(Files.exists(runtime.resolve("c-delete")), "runtime directory removed");
    assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> get("c-delete")).getStatus().getCode());
  }

  @Test
  @Order(6)
  void gatewayDroppedMidRequestAndTheClientRetries() throws Exception {
    CompletableFuture<Vm> first = CompletableFuture.supplyAsync(() -> create("c-gateway"));
    // Drop the gateway while CreateVm is in flight (it is stateless: nothing of the VM lives there).
    Thread.sleep(30);
    channel.shutdownNow();
    gateway.close();
    faults++;
    assertThrows(Exception.class, () -> first.get(30, TimeUnit.SECONDS));
    startGateway();
    Vm retried = create("c-gateway"); // same request id
    Vm again = create("c-gateway");
    assertEquals(retried.getQemuPid(), again.getQemuPid(), "the same VM, not a second one");
    record("gateway dropped mid-CreateVm, client retries with the same request id", "gateway shut down mid-request",
        "c-gateway", retried.getState(), VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(7)
  void qemuKilledIsCrashedWithinASecondAndStartsAgain() throws Exception {
    Vm vm = create("c-qemu"); // killed at once, maybe before its monitor attached: the monitor then finds it gone
    long at = System.nanoTime();
    ProcessHandle.of(vm.getQemuPid()).orElseThrow().destroyForcibly();
    faults++;
    while (get("c-qemu").getState() != VmState.VM_STATE_CRASHED && System.nanoTime() - at < 5_000_000_000L) {
      Thread.sleep(10);
    }
    long millis = (System.nanoTime() - at) / 1_000_000;
    assertEquals(VmState.VM_STATE_CRASHED, get("c-qemu").getState());
    assertTrue(millis < 1000, "CRASHED after " + millis + " ms");
    Vm restarted = vms().startVm(StartVmRequest.newBuilder().setName("c-qemu").build());
    record("QEMU SIGKILLed (CRASHED after " + millis + " ms), then StartVm", "QEMU SIGKILL", "c-qemu", restarted.getState(),
        VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(9)
  void aHostWhoseWorkerStaysAwayIsUnreachableAndRecovers() throws Exception {
    // Another host's worker: it serves the VM workflows (the control queue) while this host's is gone,
    // as in any cluster with more than one host.
    WorkflowServiceStubs peerService = TemporalConnection.plain(service.getOptions().getTarget()).connect(null);
    HostWorker peer = new HostWorker(WorkflowClient.newInstance(peerService),
        new WorkerSettings("chaos-peer", runtime.resolve("peer-host"), Path.of("/usr/bin/qemu-system-x86_64"),
            List.of(TestGuest.dir()), "off")).start();
    // VMs take their host timeout from the gateway that creates them: a short one, so the test is quick.
    GatewayServer quick = new GatewayServer(client, settings(Duration.ofSeconds(3))).start();
    ManagedChannel quickChannel = Grpc.newChannelBuilder("127.0.0.1:" + quick.port(), InsecureChannelCredentials.create()).build();
    try {
      VmServiceGrpc.VmServiceBlockingStub api = VmServiceGrpc.newBlockingStub(quickChannel).withCallCredentials(admin)
          .withDeadlineAfter(3, TimeUnit.MINUTES);
      CREATED.add("c-hostloss");
      Vm vm = api.createVm(CreateVmRequest.newBuilder().setName("c-hostloss").setSpec(bare()).setStart(true).build());
      // A watcher sees the host go and come back.
      List<VmState> watched = new CopyOnWriteArrayList<>();
      CompletableFuture<Void> watchedBack = CompletableFuture.runAsync(() -> {
        var events = VmServiceGrpc.newBlockingStub(quickChannel).withCallCredentials(admin).withDeadlineAfter(3, TimeUnit.MINUTES)
            .watchVm(WatchVmRequest.newBuilder().setName("c-hostloss").build());
        while (events.hasNext()) {
          watched.add(events.next().getState());
          if (watched.contains(VmState.VM_STATE_HOST_UNREACHABLE) && watched.get(watched.size() - 1) == VmState.VM_STATE_RUNNING) {
            return;
          }
        }
      });
      worker.kill();
      faults++;
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
      assertEquals(1, QemuProcessTable.livePidsMentioning(runtime.resolve("c-hostloss")).size(), "QEMU ran on, untouched");

      worker.start();
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
      record("host worker gone (HOST_UNREACHABLE after " + detected + " s, StopVm UNAVAILABLE naming the host), back (RUNNING after "
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
    faults++;
    long at = System.nanoTime();
    StatusRuntimeException e;
    try {
      e = assertThrows(StatusRuntimeException.class, () -> vms().pauseVm(PauseVmRequest.newBuilder().setName("c-silent").build()));
    } finally {
      new ProcessBuilder("kill", "-CONT", Long.toString(vm.getQemuPid())).start().waitFor();
    }
    long millis = (System.nanoTime() - at) / 1_000_000;
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(e.getStatus().getDescription().contains("no reply"), e.getStatus().getDescription());
    assertTrue(millis < 20_000, "answered in " + millis + " ms");
    // Once QEMU answers again, so does the VM.
    Vm paused = vms().pauseVm(PauseVmRequest.newBuilder().setName("c-silent").build());
    record("frozen QEMU (SIGSTOP): PauseVm failed after " + millis + " ms with DEADLINE_EXCEEDED; after SIGCONT it pauses",
        "QMP silent", "c-silent", paused.getState(), VmState.VM_STATE_PAUSED, 1);
  }

  /**
   * SIGKILLs the Temporal server (not PlasmaVMC) when the worker logs {@code trigger}; the stack's
   * supervisor starts it again on the same SQLite file, and the operation must complete from the
   * history it had written.
   */
  private static Vm killTemporalDuring(String vm, String trigger, Supplier<Vm> operation) throws Exception {
    long before = temporal.pid();
    CompletableFuture<Void> killed = worker.whenItLogs(trigger, () -> ProcessHandle.of(before).ifPresent(ProcessHandle::destroyForcibly));
    CompletableFuture<Vm> result = CompletableFuture.supplyAsync(operation);
    killed.get(60, TimeUnit.SECONDS);
    faults++;
    Vm vm1 = result.get(120, TimeUnit.SECONDS);
    assertTrue(temporal.pid() != before, "the server was restarted (pid " + before + " -> " + temporal.pid() + ")");
    return vm1;
  }

  @Test
  @Order(10)
  void temporalKilledDuringSpawn() throws Exception {
    Vm vm = killTemporalDuring("c-temporal-spawn", "VM c-temporal-spawn: starting QEMU", () -> create("c-temporal-spawn"));
    record("Temporal server SIGKILLed during spawn (CreateVm), restarted on its SQLite file", "Temporal SIGKILL",
        "c-temporal-spawn", vm.getState(), VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(11)
  void temporalKilledDuringTheGracefulStopWait() throws Exception {
    create("c-temporal-stop"); // no guest OS: it ignores the power button, so the durable timer decides
    long start = System.nanoTime();
    Vm vm = killTemporalDuring("c-temporal-stop", "VM c-temporal-stop: RUNNING -> STOPPING",
        () -> vms().stopVm(StopVmRequest.newBuilder().setName("c-temporal-stop").setTimeoutSeconds(6).build()));
    long seconds = (System.nanoTime() - start) / 1_000_000_000;
    assertTrue(seconds >= 6, "the durable 6 s timer survived the server's death, " + seconds + " s");
    record("Temporal server SIGKILLed during the graceful-stop wait (StopVm, 6 s timer), restarted: stopped after " + seconds + " s",
        "Temporal SIGKILL", "c-temporal-stop", vm.getState(), VmState.VM_STATE_STOPPED, 0);
  }

  @Test
  @Order(12)
  void aQemuThatDiedWhileItsWorkerWasDownIsCrashedAsSoonAsTheWorkerReturns() throws Exception {
    Vm vm = create("c-unwatched");
    worker.kill();
    ProcessHandle qemu = ProcessHandle.of(vm.getQemuPid()).orElseThrow();
    qemu.destroyForcibly();
    qemu.onExit().get(10, TimeUnit.SECONDS);
    faults++; // (no worker answers GetVm now: the workflow runs on this host's worker)
    worker.start();
    long back = System.nanoTime();
    Vm seen = get("c-unwatched");
    while (seen.getState() != VmState.VM_STATE_CRASHED && System.nanoTime() - back < 30_000_000_000L) {
      Thread.sleep(10);
      seen = get("c-unwatched");
    }
    long millis = (System.nanoTime() - back) / 1_000_000;
    assertEquals(VmState.VM_STATE_CRASHED, seen.getState(), seen.getStateReason());
    assertTrue(millis < 1000, "CRASHED " + millis + " ms after the worker was back");
    record("QEMU SIGKILLed while its worker was down: CRASHED " + millis + " ms after the worker was back", "worker SIGKILL, then QEMU SIGKILL",
        "c-unwatched", seen.getState(), VmState.VM_STATE_CRASHED, 0);
  }

  /**
   * A lifecycle test run whose worker is SIGKILLed while an iteration's VM boots: the run (a
   * workflow) resumes on the restarted worker, every iteration passes, and none of its VMs is left.
   */
  @Test
  @Order(50)
  void aLifecycleTestRunWhoseWorkerIsKilledCompletesAndLeavesNoVm() throws Exception {
    var tests = LifecycleTestServiceGrpc.newBlockingStub(channel).withCallCredentials(admin);
    VmSpec graceful = VmSpec.newBuilder().setMemoryMib(128).setAccelerator(Accelerator.ACCELERATOR_TCG).setNoNetwork(true)
        .setKernel(TestGuest.kernel().toString()).setInitrd(TestGuest.dir().resolve("initrd-graceful.img").toString())
        .setKernelCmdline(TestGuest.CMDLINE)
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern("PLASMAVMC-GUEST-READY").setTimeoutSeconds(300))
        .build();
    CompletableFuture<Void> killed = worker.killWhenItLogs("VM lt-chaos-2-1: CREATING -> RUNNING");
    tests.runLifecycleTest(RunLifecycleTestRequest.newBuilder().setRunId("lt-chaos").setSpec(graceful)
        .setIterations(3).build());
    killed.get(3, TimeUnit.MINUTES);
    faults++;
    worker.start();
    LifecycleTestRun run = LifecycleTestRunWaits.awaitEnd(tests, "lt-chaos", Duration.ofMinutes(4));
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED, run.getState(), run.toString());
    assertEquals(3, run.getPassed());
    for (var attempt : run.getAttemptsList()) {
      StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> get(attempt.getVmName()));
      assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode(), attempt.getVmName());
    }
    record("lifecycle test run (3 iterations), worker SIGKILLed while iteration 2 boots", "worker SIGKILL", "lt-chaos-2-1",
        VmState.VM_STATE_DELETED, VmState.VM_STATE_DELETED, 0);
  }
}
