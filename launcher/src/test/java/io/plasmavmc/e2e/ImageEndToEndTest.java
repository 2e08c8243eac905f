package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteImageRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.GetImageRequest;
import io.plasmavmc.api.v1.Image;
import io.plasmavmc.api.v1.ImportImageRequest;
import io.plasmavmc.api.v1.ListImagesRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images on a host through ImageService, and VMs booting from copy-on-write disks of them, on
 * real QEMU: the test guest's bootable disk imported, listed, booted by two VMs at once (each
 * writing its own disk, the image never written), refused deletion while used, deleted after.
 */
class ImageEndToEndTest {
  private static PlasmaVmcHarness plasma;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(5));
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  private static Image get(String name) {
    return plasma.images.getImage(GetImageRequest.newBuilder().setName(name).build());
  }

  private static Vm create(String name, String image) {
    return plasma.vms.withDeadlineAfter(4, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(name)
        .setSpec(TestImages.bootingFrom(image)).setStart(true).setWaitForReady(true).build());
  }

  @Test
  void anImageIsImportedListedAndDeletedButNotWhileAVmUsesIt() throws Exception {
    Image imported = TestImages.importTestDisk(plasma, "guest-a");
    assertEquals(DiskFormat.DISK_FORMAT_QCOW2, imported.getFormat());
    assertEquals(TestImages.sha256(TestGuest.disk()), imported.getSha256());
    assertTrue(imported.getVirtualSizeBytes() >= imported.getSizeOnDiskBytes() / 2, imported.toString());
    assertEquals(plasma.stack.hostId(), imported.getHostId());
    assertTrue(plasma.images.listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
        .anyMatch(image -> image.getName().equals("guest-a")));
    assertEquals(imported.getSha256(), get("guest-a").getSha256());

    StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> plasma.images.importImage(
        ImportImageRequest.newBuilder().setName("guest-a").setSource("guest-a.qcow2").build()));
    assertEquals(Status.Code.ALREADY_EXISTS, again.getStatus().getCode());

    create("user-a", "guest-a");
    assertEquals(List.of("user-a"), get("guest-a").getUsedByList());
    StatusRuntimeException inUse = assertThrows(StatusRuntimeException.class,
        () -> plasma.images.deleteImage(DeleteImageRequest.newBuilder().setName("guest-a").build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, inUse.getStatus().getCode());
    assertTrue(inUse.getStatus().getDescription().contains("VM user-a"), inUse.getStatus().getDescription());
    assertFalse(inUse.getStatus().getDescription().contains(plasma.imageStoreDir.toString()), "no host path");

    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("user-a").build());
    plasma.images.deleteImage(DeleteImageRequest.newBuilder().setName("guest-a").build());
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> get("guest-a"));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
  }

  @Test
  void twoVmsBootFromOneImageAtOnceAndTheImageIsNeverWritten() throws Exception {
    String before = TestImages.importTestDisk(plasma, "guest-b").getSha256();
    Vm one = create("twin-1", "guest-b");
    Vm two = create("twin-2", "guest-b");
    for (Vm vm : List.of(one, two)) {
      assertEquals(VmState.VM_STATE_RUNNING, vm.getState());
      assertTrue(vm.getGuestReady(), vm.toString());
      // Each wrote its boot into a disk of its own: a first boot, whatever the other did.
      assertEquals(List.of(1), TestImages.bootCounts(TestImages.console(plasma, vm.getName())), vm.getName());
    }
    assertEquals(List.of("twin-1", "twin-2"), get("guest-b").getUsedByList().stream().sorted().toList());
    for (String name : List.of("twin-1", "twin-2")) {
      plasma.vms.stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(60).build());
      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    }
    assertEquals(before, get("guest-b").getSha256(), "the image's sha256 after both VMs wrote to their disks");
    plasma.images.deleteImage(DeleteImageRequest.newBuilder().setName("guest-b").build());
  }

  @Test
  void deleteVmKeepsTheVmsOwnDisksOnlyWhenAsked() throws Exception {
    TestImages.importTestDisk(plasma, "guest-c");
    create("kept", "guest-c");
    create("removed", "guest-c");
    assertTrue(Files.isDirectory(plasma.vmsDir.resolve("kept")), "the VM's own directory under " + plasma.vmsDir);

    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("kept").setKeepDisks(true).build());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("removed").build());
    try (Stream<Path> left = Files.list(plasma.vmsDir.resolve("kept"))) {
      assertFalse(left.toList().isEmpty(), "keep_disks: the overlay stays");
    }
    assertFalse(Files.exists(plasma.vmsDir.resolve("removed")), "without keep_disks the VM's own disks go with it");
    assertFalse(Files.exists(plasma.vmDir("kept")), "the runtime directory goes either way");
  }
}
