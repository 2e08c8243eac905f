package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.DrainHostRequest;
import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.ListHostsRequest;
import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.api.v1.Operation;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.support.TemporalConnection;
import io.plasmavmc.worker.HostWorker;
import io.plasmavmc.worker.WorkerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * MigrateVm through gRPC on a stack of two hosts: the harness's (e2e-host) and a second host's
 * worker in process (e2e-peer, a runtime directory of its own), both registered with the fleet,
 * the test guest under TCG moved from one to the other while it runs, over the machine's address,
 * and back by a drain of the peer, which leaves the peer empty.
 */
class MigrationEndToEndTest {
  private static final String PEER = "e2e-peer";

  @Test
  void aRunningGuestMovesToTheOtherHostAndGoesOnThere() throws Exception {
    Path peerRun = Files.createTempDirectory("plasmavmc-e2e-peer");
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(5)); Peer peer = Peer.start(plasma, peerRun)) {
      var hosts = HostServiceGrpc.newBlockingStub(plasma.channel).withCallCredentials(plasma.admin);
      awaitRegistered(hosts, PEER);

      Vm created = plasma.vms.createVm(CreateVmRequest.newBuilder().setName("traveller").setHostId("e2e-host").setStart(true)
          .setWaitForReady(true).setSpec(VmLifecycleEndToEndTest.guest("graceful").toBuilder()
              .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER).setTimeoutSeconds(120)))
          .build());
      assertEquals("e2e-host", created.getHostId());
      long sourcePid = created.getQemuPid();

      long started = System.nanoTime();
      Vm moved = plasma.vms.migrateVm(MigrateVmRequest.newBuilder().setName("traveller").setTargetHostId(PEER)
          .setRequestId("move-traveller").build());
      System.out.printf("MigrateVm answered in %d ms%n", (System.nanoTime() - started) / 1_000_000);
      assertEquals(PEER, moved.getHostId());
      assertEquals(VmState.VM_STATE_RUNNING, moved.getState(), moved.toString());
      assertTrue(moved.getQemuPid() > 0 && moved.getQemuPid() != sourcePid, moved.toString());
      assertTrue(moved.getPlacementReason().startsWith("migrated from host e2e-host: host e2e-peer named by the request"),
          moved.getPlacementReason());
      Operation migration = moved.getRecentOperations(moved.getRecentOperationsCount() - 1);
      assertEquals("migrate", migration.getName());
      assertTrue(migration.getOutcome().startsWith("ok: from host e2e-host to host e2e-peer, "), migration.getOutcome());
      System.out.println("migration: " + migration.getOutcome());

      // Gone, or a zombie this JVM (the in-process worker started it) has not reaped yet.
      assertTrue(LinuxProcesses.state(sourcePid).map(state -> state == 'Z').orElse(true), "the source's QEMU is gone");
      assertFalse(Files.exists(plasma.vmDir("traveller")), "and its runtime directory");
      assertEquals(List.of(moved.getQemuPid()), QemuProcessTable.livePidsMentioning(peerRun), "one QEMU runs the VM, on the peer");
      assertEquals(List.of(), QemuProcessTable.livePidsMentioning(plasma.runtimeDir));
      assertEquals(List.of("traveller"), hosts.getHost(GetHostRequest.newBuilder().setId(PEER).build()).getVmsList(),
          "the VM holds room on the peer");
      assertEquals(List.of(), hosts.getHost(GetHostRequest.newBuilder().setId("e2e-host").build()).getVmsList(), "and none at home");

      // A drain of the peer empties it: the VM migrates back, its guest running on.
      hosts.drainHost(DrainHostRequest.newBuilder().setId(PEER).build());
      Host drained = awaitDrained(hosts, PEER);
      assertEquals(1, drained.getDrain().getHandledCount(), drained.getDrain().toString());
      assertTrue(drained.getDrain().getHandled(0).startsWith("traveller: migrated to host e2e-host"), drained.getDrain().toString());
      assertEquals(List.of(), drained.getVmsList(), "a drained host holds no VM");
      assertEquals(List.of(), QemuProcessTable.livePidsMentioning(peerRun), "and runs no QEMU");
      Vm back = plasma.vms.getVm(GetVmRequest.newBuilder().setName("traveller").build());
      assertEquals("e2e-host", back.getHostId());
      assertEquals(VmState.VM_STATE_RUNNING, back.getState(), back.toString());
      assertEquals(List.of(back.getQemuPid()), QemuProcessTable.livePidsMentioning(plasma.runtimeDir), "one QEMU runs the VM, at home");

      // The guest runs on after two migrations: its power button is pressed, and its console goes on from what it wrote on its first host.
      Vm stopped = plasma.vms.stopVm(StopVmRequest.newBuilder().setName("traveller").setTimeoutSeconds(60).build());
      assertEquals(VmState.VM_STATE_STOPPED, stopped.getState(), stopped.toString());
      assertEquals("e2e-host", stopped.getHostId());
      String console = plasma.vms.getConsoleLog(GetConsoleLogRequest.newBuilder().setName("traveller").build()).getData()
          .toString(StandardCharsets.UTF_8);
      int before = console.indexOf(TestGuest.READY_MARKER);
      int after = console.indexOf("guest: power button pressed, powering off");
      assertTrue(before >= 0 && after > before, "one console across both migrations, the first host's part first:\n" + console);

      StatusRuntimeException notRunning = assertThrows(StatusRuntimeException.class, () -> plasma.vms.migrateVm(
          MigrateVmRequest.newBuilder().setName("traveller").setTargetHostId(PEER).build()));
      assertEquals(Status.Code.FAILED_PRECONDITION, notRunning.getStatus().getCode(), notRunning.getStatus().toString());

      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("traveller").build());
      assertEquals(List.of(), QemuProcessTable.livePidsMentioning(peerRun));
    } finally {
      for (Long pid : QemuProcessTable.livePidsMentioning(peerRun)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      ScratchDirectories.delete(peerRun);
    }
  }

  /** GetHost until the host's drain is done (two minutes at most: one VM to move). */
  private static Host awaitDrained(HostServiceGrpc.HostServiceBlockingStub hosts, String hostId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (true) {
      Host host = hosts.getHost(GetHostRequest.newBuilder().setId(hostId).build());
      if (host.hasDrain() && host.getDrain().getDone()) {
        return host;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the drain of " + hostId + " was not done within 2 minutes: " + host.getDrain());
      }
      Thread.sleep(100);
    }
  }

  private static void awaitRegistered(HostServiceGrpc.HostServiceBlockingStub hosts, String hostId) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (hosts.listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream().noneMatch(host -> host.getId().equals(hostId))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("host " + hostId + " did not register within 30 s");
      }
      Thread.sleep(100);
    }
  }

  /** The second host's worker, against the harness's Temporal, its runtime directory its own. */
  private record Peer(HostWorker worker, WorkflowServiceStubs service) implements AutoCloseable {
    static Peer start(PlasmaVmcHarness plasma, Path runtimeDir) {
      WorkflowServiceStubs service = TemporalConnection.plain("127.0.0.1:" + plasma.temporalPort).connect(null);
      HostWorker worker = new HostWorker(WorkflowClient.newInstance(service), new WorkerSettings(PEER, runtimeDir,
          Path.of("/usr/bin/qemu-system-x86_64"), List.of(TestGuest.dir()), "off", "report")).start();
      return new Peer(worker, service);
    }

    @Override
    public void close() {
      worker.close();
      service.shutdownNow();
    }
  }
}
