package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.api.v1.CloudInit;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * cloud-init NoCloud data through the API, on real QEMU: the host makes the seed, the test guest
 * reads it and prints what it found, and the console (GetConsoleLog) shows it. Every test guest
 * variant prints PLASMAVMC-CLOUD-INIT-MARKER for each "# plasmavmc-marker:" line of its user-data.
 */
class CloudInitEndToEndTest {
  private static final String USER_DATA = "#cloud-config\n# plasmavmc-marker: hello-from-user-data\n"
      + "# plasmavmc-marker: second line, with spaces\n";
  private static PlasmaVmcHarness plasma;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(5));
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  private static Vm create(String name, VmSpec spec) {
    return plasma.vms.withDeadlineAfter(4, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(name).setSpec(spec)
        .setStart(true).setWaitForReady(true).build());
  }

  @Test
  void theUserDataMarkerReachesAKernelBootedGuest() throws Exception {
    VmSpec spec = VmLifecycleEndToEndTest.guest("graceful").toBuilder()
        .setCloudInit(CloudInit.newBuilder().setUserData(USER_DATA))
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER).setTimeoutSeconds(180)).build();
    Vm vm = create("seeded", spec);
    String console = TestImages.awaitConsole(plasma, "seeded", text -> text.contains(TestGuest.READY_MARKER), Duration.ofMinutes(1));
    assertTrue(console.contains(TestGuest.CLOUD_INIT_USER_MARKER + " hello-from-user-data"), console);
    assertTrue(console.contains(TestGuest.CLOUD_INIT_USER_MARKER + " second line, with spaces"), console);
    // Default meta-data: the VM's uuid and name.
    assertTrue(console.contains(TestGuest.CLOUD_INIT_MARKER + " instance-id=" + vm.getSpec().getUuid() + " hostname=seeded"), console);
    assertTrue(Files.isDirectory(plasma.vmsDir.resolve("seeded")), "the seed lives in the VM's own directory, not on /run");

    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("seeded").build());
    assertFalse(Files.exists(plasma.vmsDir.resolve("seeded")), "the seed goes with the VM");
  }

  @Test
  void anImageBootedGuestReadsItsSeedWithTheMetaDataGiven() throws Exception {
    TestImages.importTestDisk(plasma, "seeded-disk");
    VmSpec spec = TestImages.bootingFrom("seeded-disk").toBuilder()
        .setCloudInit(CloudInit.newBuilder().setUserData(USER_DATA)
            .setMetaData("instance-id: iid-e2e-0001\nlocal-hostname: web-01\n")
            .setNetworkConfig("version: 2\nethernets: {}\n"))
        .build();
    create("from-image", spec);
    String console = TestImages.awaitConsole(plasma, "from-image", text -> text.contains(TestGuest.READY_MARKER), Duration.ofMinutes(1));
    assertTrue(console.contains(TestGuest.CLOUD_INIT_MARKER + " instance-id=iid-e2e-0001 hostname=web-01"), console);
    assertTrue(console.contains(TestGuest.CLOUD_INIT_USER_MARKER + " hello-from-user-data"), console);
    assertTrue(console.contains("network-config"), "the guest lists the seed's files: " + console);
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("from-image").build());
  }
}
