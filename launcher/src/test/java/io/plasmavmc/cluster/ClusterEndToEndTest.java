package io.plasmavmc.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.ResumeVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.host.testing.TestGuest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * PlasmaVMC on its production topology (see {@link ClusterHarness}): a VM on each of three hosts
 * (named in CreateVm) through alternating gateways, read back through the other gateway, its QEMU
 * running inside its host's network namespace; a host's worker SIGKILLed and started again in its
 * namespace takes its VM over; everything stopped and deleted.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest {
  private static ClusterHarness cluster;

  @BeforeAll
  static void up() {
    Optional<String> cannot = ClusterTools.cannotRunHere();
    Assumptions.assumeTrue(cannot.isEmpty(), () -> "the production topology cannot run here: " + cannot.get());
    cluster = ClusterHarness.start();
  }

  @AfterAll
  static void down() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String vmName(String hostId) {
    return "cluster-" + hostId;
  }

  /** Gateway {@code i} of the two (modulo), each call with its own deadline. */
  private static VmServiceGrpc.VmServiceBlockingStub gateway(int i) {
    return cluster.gateways().get(Math.floorMod(i, 2)).vms(cluster.admin()).withDeadlineAfter(3, TimeUnit.MINUTES);
  }

  private static VmSpec guest() {
    return VmSpec.newBuilder()
        .setMemoryMib(128)
        .setAccelerator(Accelerator.ACCELERATOR_TCG)
        .setKernel(TestGuest.kernel().toString())
        .setInitrd(TestGuest.graceful().toString())
        .setKernelCmdline(TestGuest.CMDLINE)
        .setNoNetwork(true)
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER).setTimeoutSeconds(120))
        .build();
  }

  @Test
  @Order(1)
  void aVmOnEachHostBootsThroughOneGatewayAndIsSeenThroughTheOther() throws IOException {
    String rootNamespace = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
    for (int i = 0; i < ClusterHarness.HOST_IDS.size(); i++) {
      String hostId = ClusterHarness.HOST_IDS.get(i);
      String name = vmName(hostId);
      Vm created = gateway(i).createVm(CreateVmRequest.newBuilder().setName(name).setSpec(guest()).setHostId(hostId)
          .setStart(true).setWaitForReady(true).setRequestId("cluster-create-" + hostId).build());
      assertEquals(VmState.VM_STATE_RUNNING, created.getState(), created.toString());
      assertEquals(hostId, created.getHostId());
      assertTrue(created.getGuestReady(), "CreateVm with wait_for_ready answers once the guest is ready: " + created);

      Vm seen = gateway(i + 1).getVm(GetVmRequest.newBuilder().setName(name).build());
      assertEquals(VmState.VM_STATE_RUNNING, seen.getState());
      assertEquals(hostId, seen.getHostId());
      assertEquals(created.getQemuPid(), seen.getQemuPid(), "both gateways read the one workflow");
      assertTrue(seen.getGuestReady());

      HostWorkerProcess worker = cluster.worker(hostId);
      long pid = seen.getQemuPid();
      String qemuNamespace = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString();
      assertEquals(worker.namespace().identity(), qemuNamespace, "the QEMU of " + name + " runs in " + worker.namespace().name());
      assertNotEquals(rootNamespace, qemuNamespace);
      assertTrue(worker.namespace().pids().contains(pid));
      assertTrue(Files.readString(worker.vmDir(name).resolve("serial.log")).contains(TestGuest.READY_MARKER),
          "the guest's console is in host " + hostId + "'s runtime directory");
    }
  }

  @Test
  @Order(2)
  void aWorkerKilledAndStartedAgainInItsNamespaceTakesItsVmOver() throws Exception {
    String hostId = "h2";
    String name = vmName(hostId);
    HostWorkerProcess worker = cluster.worker(hostId);
    long qemu = gateway(0).getVm(GetVmRequest.newBuilder().setName(name).build()).getQemuPid();

    worker.kill();
    assertTrue(ProcessHandle.of(qemu).map(ProcessHandle::isAlive).orElse(false), "QEMU outlives its worker (a session of its own)");
    assertTrue(worker.namespace().pids().contains(qemu));
    worker.start();
    worker.awaitReady();

    Vm paused = gateway(1).pauseVm(PauseVmRequest.newBuilder().setName(name).build());
    assertEquals(VmState.VM_STATE_PAUSED, paused.getState(), "the new worker of " + hostId + " drives the VM: " + paused);
    assertEquals(qemu, paused.getQemuPid(), "the same QEMU, re-attached, not a second one");
    Vm resumed = gateway(0).resumeVm(ResumeVmRequest.newBuilder().setName(name).build());
    assertEquals(VmState.VM_STATE_RUNNING, resumed.getState());
    assertEquals(qemu, resumed.getQemuPid());
    assertEquals(Stream.of(worker.pid(), qemu).sorted().toList(), worker.namespace().pids().stream().sorted().toList(),
        "the host runs its new worker and the one QEMU");
  }

  @Test
  @Order(3)
  void everyVmStopsAndIsDeletedThroughEitherGateway() {
    for (int i = 0; i < ClusterHarness.HOST_IDS.size(); i++) {
      String hostId = ClusterHarness.HOST_IDS.get(i);
      String name = vmName(hostId);
      HostWorkerProcess worker = cluster.worker(hostId);
      Vm stopped = gateway(i).stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(30).build());
      assertEquals(VmState.VM_STATE_STOPPED, stopped.getState(), stopped.toString());
      assertEquals("the guest powered off", stopped.getStateReason());
      assertEquals(0, stopped.getQemuPid());
      assertEquals(List.of(worker.pid()), worker.namespace().pids(), "no QEMU is left in " + worker.namespace().name());

      Vm deleted = gateway(i + 1).deleteVm(DeleteVmRequest.newBuilder().setName(name).build()).getVm();
      assertEquals(VmState.VM_STATE_DELETED, deleted.getState());
      VmServiceGrpc.VmServiceBlockingStub first = gateway(i);
      StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
          () -> first.getVm(GetVmRequest.newBuilder().setName(name).build()));
      assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
      assertFalse(Files.exists(worker.vmDir(name)), "the runtime directory is removed on host " + hostId);
    }
  }

  @Test
  @Order(4)
  void noLogRevealsTheDatabasePassword() {
    assertEquals(List.of(), cluster.logsRevealingTheDatabasePassword());
  }
}
