package io.plasmavmc.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListOrphansRequest;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.ResumeVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalCredentials;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The whole local stack, run as `./plasmavmc up` runs it (its JVM and Temporal's dev server as its
 * child), SIGKILLed with VMs RUNNING, PAUSED, STOPPED, CREATED and one inside a graceful-stop wait,
 * then started again on the same data directory: every VM is there as it was, on the same QEMU,
 * the graceful stop's durable timer fires on time, and no QEMU is orphaned or duplicated.
 */
@Tag("chaos")
class StackRestartTest {
  private static final int GRACEFUL_TIMEOUT_S = 20;

  @Test
  void aSigkilledStackFindsEveryVmAsItWas() throws Exception {
    Path runtime = Files.createTempDirectory("plasmavmc-restart");
    Path data = Files.createTempDirectory("plasmavmc-restart-temporal");
    Path config = Files.createTempDirectory("plasmavmc-restart-config");
    // Images and VMs' disks in scratch too, not in the data directory of the user running the test.
    Path storageRoot = Files.createTempDirectory("plasmavmc-restart-storage");
    HostStorage storage = HostStorage.under(storageRoot);
    int grpcPort = freePort();
    int temporalPort = freePort();
    List<String> options = List.of("--temporal", "dev", "--data-dir", data.toString(), "--temporal-port", Integer.toString(temporalPort),
        "--no-ui", "--grpc-port", Integer.toString(grpcPort), "--runtime-dir", runtime.toString(),
        "--image-root", TestGuest.dir().toString(), "--host-id", "restart-host", "--kvm", "off", "--config-dir", config.toString(),
        "--image-store", storage.imageStore().toString(), "--import-dir", storage.importDir().toString(),
        "--vms-dir", storage.vmsDir().toString());
    PlasmaVmcProcess stack = PlasmaVmcProcess.up(options);
    ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + grpcPort, InsecureChannelCredentials.create()).build();
    VmServiceGrpc.VmServiceBlockingStub api;
    try {
      stack.start();
      api = VmServiceGrpc.newBlockingStub(channel)
          .withCallCredentials(new BearerToken(LocalCredentials.readToken(config).orElseThrow()));
      Map<String, Vm> before = new LinkedHashMap<>();
      before.put("r-running", create(api, "r-running", true));
      create(api, "r-paused", true);
      before.put("r-paused", api.pauseVm(PauseVmRequest.newBuilder().setName("r-paused").build()));
      create(api, "r-stopped", true);
      before.put("r-stopped", api.stopVm(StopVmRequest.newBuilder().setName("r-stopped").setForce(true).build()));
      before.put("r-created", create(api, "r-created", false));
      Vm stopping = create(api, "r-stopping", true); // no guest OS: it ignores the power button, so the timer decides
      CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
        try {
          api.withDeadlineAfter(2, TimeUnit.MINUTES).stopVm(
              StopVmRequest.newBuilder().setName("r-stopping").setTimeoutSeconds(GRACEFUL_TIMEOUT_S).build());
        } catch (StatusRuntimeException e) {
          // the gateway dies with the stack; the stop goes on in Temporal
        }
      });
      awaitState(api, "r-stopping", VmState.VM_STATE_STOPPING, Duration.ofSeconds(30));
      Instant timerStarted = awaitTimerStarted(temporalPort, "vm-r-stopping", Duration.ofSeconds(30));
      List<ProcessHandle> server = stack.temporalServers();
      assertEquals(1, server.size(), "the stack runs the Temporal dev server as its child: " + server);

      stack.kill(); // SIGKILL to the JVM; the Temporal server follows it
      assertTrue(server.stream().noneMatch(ProcessHandle::isAlive), "the Temporal server is gone too");
      stopped.join();
      for (Vm vm : List.of(before.get("r-running"), before.get("r-paused"), stopping)) {
        assertTrue(ProcessHandle.of(vm.getQemuPid()).map(ProcessHandle::isAlive).orElse(false), vm.getName() + "'s QEMU outlives the stack");
      }

      long restartedAt = System.nanoTime();
      stack.start();
      long upMillis = (System.nanoTime() - restartedAt) / 1_000_000;
      for (String name : before.keySet()) {
        awaitAnswer(api, name, Duration.ofSeconds(30));
      }
      long answeringMillis = (System.nanoTime() - restartedAt) / 1_000_000;

      for (Map.Entry<String, Vm> entry : before.entrySet()) {
        Vm was = entry.getValue();
        Vm now = api.getVm(GetVmRequest.newBuilder().setName(entry.getKey()).build());
        assertEquals(was.getState(), now.getState(), entry.getKey() + ": " + now.getStateReason());
        assertEquals(was.getQemuPid(), now.getQemuPid(), entry.getKey() + ": the same QEMU");
        assertEquals(was.getRequestId(), now.getRequestId());
      }

      // The graceful stop's durable timer fires on time, although its worker and server were killed.
      Vm off = awaitState(api, "r-stopping", VmState.VM_STATE_STOPPED, Duration.ofSeconds(GRACEFUL_TIMEOUT_S + 60));
      double firedAfter = Duration.between(timerStarted, timestamp(off.getStateChangedAt())).toMillis() / 1000.0;
      assertTrue(firedAfter >= GRACEFUL_TIMEOUT_S && firedAfter < GRACEFUL_TIMEOUT_S + 2,
          "forced off " + firedAfter + " s after the graceful-stop timer started (timeout " + GRACEFUL_TIMEOUT_S + " s)");
      assertTrue(off.getStateReason().contains("stopped by PlasmaVMC"), off.getStateReason());

      // The new worker drives the same QEMUs: no orphan, no duplicate.
      assertEquals(VmState.VM_STATE_PAUSED,
          api.pauseVm(PauseVmRequest.newBuilder().setName("r-running").build()).getState());
      Vm resumed = api.resumeVm(ResumeVmRequest.newBuilder().setName("r-running").build());
      assertEquals(VmState.VM_STATE_RUNNING, resumed.getState());
      assertEquals(before.get("r-running").getQemuPid(), resumed.getQemuPid());
      assertEquals(0, api.listOrphans(ListOrphansRequest.getDefaultInstance()).getOrphansCount(), "no orphan QEMU");
      List<Long> qemus = new ArrayList<>(QemuProcessTable.livePidsMentioning(runtime));
      List<Long> expected = new ArrayList<>(List.of(before.get("r-running").getQemuPid(), before.get("r-paused").getQemuPid(),
          before.get("r-created").getQemuPid()));
      qemus.sort(null);
      expected.sort(null);
      assertEquals(expected, qemus, "exactly one QEMU for each VM that has one");

      System.out.printf("stack restart: up again %d ms after the restart began, every VM answering GetVm after %d ms; "
          + "graceful stop forced off %.1f s after its timer started (timeout %d s); %d QEMU processes, 0 orphans%n",
          upMillis, answeringMillis, firedAfter, GRACEFUL_TIMEOUT_S, qemus.size());

      for (String name : List.of("r-running", "r-paused", "r-stopped", "r-created", "r-stopping")) {
        api.withDeadlineAfter(1, TimeUnit.MINUTES).deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
      }
      assertEquals(List.of(), QemuProcessTable.livePidsMentioning(runtime));
      stack.stop();
    } finally {
      channel.shutdownNow();
      stack.kill();
      for (Long pid : QemuProcessTable.livePidsMentioning(runtime)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      ScratchDirectories.delete(runtime, data, config, storageRoot);
    }
  }

  private static Vm create(VmServiceGrpc.VmServiceBlockingStub api, String name, boolean start) {
    VmSpec bare = VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).setAccelerator(Accelerator.ACCELERATOR_TCG).build();
    Vm vm = api.withDeadlineAfter(1, TimeUnit.MINUTES)
        .createVm(CreateVmRequest.newBuilder().setName(name).setSpec(bare).setStart(start).setRequestId("restart-" + name).build());
    assertEquals(start ? VmState.VM_STATE_RUNNING : VmState.VM_STATE_CREATED, vm.getState(), name);
    return vm;
  }

  /** Polls GetVm until the VM is in {@code state}: the test waits for the state change itself. */
  private static Vm awaitState(VmServiceGrpc.VmServiceBlockingStub api, String name, VmState state, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Vm vm = awaitAnswer(api, name, timeout);
    while (vm.getState() != state && System.nanoTime() < deadline) {
      Thread.sleep(50);
      vm = awaitAnswer(api, name, timeout);
    }
    assertEquals(state, vm.getState(), name + ": " + vm.getStateReason());
    return vm;
  }

  /** When the VM's workflow started its graceful-stop timer (read from the history in Temporal). */
  private static Instant awaitTimerStarted(int temporalPort, String workflowId, Duration timeout) throws InterruptedException {
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + temporalPort).build());
    try {
      WorkflowClient client = WorkflowClient.newInstance(service);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        for (HistoryEvent event : client.fetchHistory(workflowId).getEvents()) {
          if (event.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED) {
            return timestamp(event.getEventTime());
          }
        }
        Thread.sleep(50);
      }
      throw new AssertionError(workflowId + " started no timer within " + timeout);
    } finally {
      service.shutdownNow();
    }
  }

  /** GetVm, retried while the stack is still coming up. */
  private static Vm awaitAnswer(VmServiceGrpc.VmServiceBlockingStub api, String name, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        return api.withDeadlineAfter(5, TimeUnit.SECONDS).getVm(GetVmRequest.newBuilder().setName(name).build());
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50);
      }
    }
  }

  private static Instant timestamp(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
