package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.ListOrphansRequest;
import io.plasmavmc.api.v1.Orphan;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.support.TemporalConnection;
import io.plasmavmc.worker.HostWorker;
import io.plasmavmc.worker.WorkerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/** A QEMU in the runtime directory that no VM workflow owns is reported as an orphan, and left running. */
class OrphanEndToEndTest {
  @Test
  void aQemuWithoutAWorkflowIsAnOrphanAndAManagedOneIsNot() throws Exception {
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(3));
        HostActivitiesImpl byHand = new HostActivitiesImpl(HostConfig.of(plasma.runtimeDir,
            Path.of("/usr/bin/qemu-system-x86_64"), List.of(TestGuest.dir()), false))) {
      Vm managed = plasma.vms.createVm(CreateVmRequest.newBuilder().setName("managed")
          .setSpec(GatewayErrorsEndToEndTest.bare()).setStart(true).build());
      VmHandle stray = byHand.spawn("stray", VmSpec.of("stray").withResources(1, 64).withNetwork(false, List.of()));

      Map<String, Long> orphans = plasma.stack.orphans();
      assertEquals(Map.of("stray", stray.pid()), orphans);
      // The same, over gRPC (what `vmctl orphans` shows): asked of the host through Temporal.
      var listed = plasma.vms.listOrphans(ListOrphansRequest.getDefaultInstance());
      assertEquals("e2e-host", listed.getHostId());
      assertEquals(List.of(Orphan.newBuilder().setVmId("stray").setQemuPid(stray.pid()).build()), listed.getOrphansList());
      assertTrue(ProcessHandle.of(stray.pid()).map(ProcessHandle::isAlive).orElse(false), "an orphan is left alone");
      assertTrue(managed.getQemuPid() > 0);

      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("managed").build());
      byHand.kill("stray");
      assertEquals(Map.of(), plasma.stack.orphans());
      assertEquals(0, plasma.vms.listOrphans(ListOrphansRequest.getDefaultInstance()).getOrphansCount());
    }
  }

  @Test
  void aHostWithoutAWorkerCannotBeScannedAndSaysSo() throws Exception {
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(2))) {
      StatusRuntimeException e = Assertions.assertThrows(StatusRuntimeException.class,
          () -> plasma.vms.listOrphans(ListOrphansRequest.newBuilder().setHostId("ghost-host").build()));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
      assertTrue(e.getStatus().getDescription().contains("ghost-host"), e.getStatus().getDescription());
      assertEquals(Status.Code.INVALID_ARGUMENT, Assertions.assertThrows(StatusRuntimeException.class,
          () -> plasma.vms.listOrphans(ListOrphansRequest.newBuilder().setHostId("no such host").build()))
          .getStatus().getCode());
    }
  }

  /** A QEMU started by hand in {@code host}'s runtime directory, its QMP connection closed again (QEMU serves one client at a time). */
  private static VmHandle strayOn(PlasmaVmcHarness plasma, String host) {
    try (HostActivitiesImpl byHand = new HostActivitiesImpl(HostConfig.of(plasma.runtimeDir.resolve(host),
        Path.of("/usr/bin/qemu-system-x86_64"), List.of(TestGuest.dir()), false))) {
      return byHand.spawn("stray", VmSpec.of("stray").withResources(1, 64).withNetwork(false, List.of()));
    }
  }

  /** A second host's worker and its connection. */
  private record SecondHost(HostWorker worker, WorkflowServiceStubs service)
      implements AutoCloseable {
    @Override
    public void close() {
      worker.close();
      service.shutdownNow();
    }
  }

  /** A second host's worker against the harness's Temporal, with the given orphan policy. */
  private static SecondHost workerOf(PlasmaVmcHarness plasma, String host, String orphans) {
    var service = TemporalConnection.plain("127.0.0.1:" + plasma.temporalPort).connect(null);
    return new SecondHost(new HostWorker(WorkflowClient.newInstance(service),
        new WorkerSettings(host, plasma.runtimeDir.resolve(host), Path.of("/usr/bin/qemu-system-x86_64"),
            List.of(TestGuest.dir()), "off", orphans)).start(), service);
  }

  @Test
  void aWorkerCountsItsQemuProcessesAndOrphansForPrometheus() throws Exception {
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(3))) {
      VmHandle stray = strayOn(plasma, "metered");
      try (SecondHost metered = workerOf(plasma, "metered", "report")) {
        var worker = metered.worker().serveMetrics("127.0.0.1", 0);
        var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + worker.metricsPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertTrue(response.body().contains("plasmavmc_qemu_processes{host=\"metered\"} 1\n"), response.body());
        assertTrue(response.body().contains("plasmavmc_orphan_qemu_processes{host=\"metered\"} 1\n"), response.body());
        assertTrue(ProcessHandle.of(stray.pid()).map(ProcessHandle::isAlive).orElse(false), "reported, left alone");
      }
    }
  }

  @Test
  void aWorkerConfiguredToKillOrphansEndsThemWhenItStarts() throws Exception {
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(3))) {
      VmHandle stray = strayOn(plasma, "other-host");
      try (SecondHost other = workerOf(plasma, "other-host", "kill")) {
        // Gone, or a zombie that this machine's init has not reaped yet.
        assertTrue(LinuxProcesses.state(stray.pid()).map(state -> state == 'Z').orElse(true),
            "the orphan was ended");
        assertEquals(Map.of(), other.worker().orphans());
      }
    }
  }
}
