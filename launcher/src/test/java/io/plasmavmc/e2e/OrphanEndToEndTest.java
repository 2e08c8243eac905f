package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.VmHandle;
import io.plasmavmc.host.VmSpec;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
      assertTrue(ProcessHandle.of(stray.pid()).map(ProcessHandle::isAlive).orElse(false), "an orphan is left alone");
      assertTrue(managed.getQemuPid() > 0);

      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("managed").build());
      byHand.kill("stray");
      assertEquals(Map.of(), plasma.stack.orphans());
    }
  }
}
