package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.spec.CloudInit;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.storage.ImageFacts;
import io.plasmavmc.host.storage.Qcow2Header;
import io.plasmavmc.host.testing.ScratchHost;
import io.plasmavmc.host.testing.TestGuest;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * VMs whose disks are their own, against real QEMU: copy-on-write overlays of one imported image
 * (two VMs booting from it at once, the image unchanged), a cloud-init seed made by the host, the
 * image kept while in use, the VM's disks removed with it, and specs refused before anything is made.
 */
class VmImagesQemuTest extends ScratchHostTest {
  private static final String UUID = "3f8e2a6c-1b4d-4e5f-9a0b-7c6d5e4f3a2b";

  @Test
  void twoVmsBootAtOnceFromOverlaysOfOneImageAndTheImageStaysAsItWas() throws Exception {
    Path image = scratchHost.imageFile(ScratchHost.GUEST_IMAGE, "qcow2");
    assertEquals(ImageFacts.sha256(image, done -> {}), guestImage.sha256());
    VmSpec first = fromImage("first", 1).withUuid(UUID).withCloudInit(new CloudInit(
        "#cloud-config\n# plasmavmc-marker: hello from user-data\n", null, null));
    host.spawn("first", first);
    host.spawn("second", fromImage("second", 0));

    Path dir = scratchHost.storage.vmsDir().resolve("first");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    if (IDENTITY != null) {
      assertEquals(IDENTITY.uid(), Files.getAttribute(dir.resolve("disk0.qcow2"), "unix:uid"), "QEMU's user writes its disks");
    }
    Qcow2Header overlay = Qcow2Header.read(dir.resolve("disk0.qcow2")).orElseThrow();
    assertEquals(image.toString(), overlay.backingFile().orElseThrow(), "the image of the store is the backing file");
    assertEquals(1L << 30, overlay.virtualSize(), "grown to size_gib");
    assertEquals(guestImage.virtualSizeBytes(),
        Qcow2Header.read(scratchHost.storage.vmsDir().resolve("second/disk0.qcow2")).orElseThrow().virtualSize(), "the image's size");
    List<String> args = Files.readAllLines(host.directory("first").commandLineFile());
    assertTrue(args.contains("virtio-blk-pci,drive=disk0,id=virtio-disk0,bootindex=0"), args.toString());
    assertTrue(args.contains("driver=raw,node-name=seed,file=seed-file,read-only=on"), "the seed, read-only: " + args);

    host.cont("first");
    host.cont("second");
    // Whole lines awaited: the console's waits match the unfinished last line too (a prompt), which a
    // marker's first bytes alone would match while QEMU is still writing the rest of it.
    String written = TestGuest.DISK_WRITTEN_MARKER + " device=/dev/vda2 boots=1 boot-id=[0-9a-f-]{36}";
    String firstWrote = console.await(log("first"), written, 0).detail();
    String secondWrote = console.await(log("second"), written, 0).detail();
    assertTrue(firstWrote.matches("PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=1 boot-id=[0-9a-f-]{36}"), firstWrote);
    assertTrue(secondWrote.matches("PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=1 boot-id=[0-9a-f-]{36}"), secondWrote);
    assertNotEquals(firstWrote, secondWrote);
    // The seed the host made reached the guest: its default meta-data and a marker from the user-data.
    assertEquals("PLASMAVMC-CLOUD-INIT instance-id=" + UUID + " hostname=first",
        console.await(log("first"), TestGuest.CLOUD_INIT_MARKER + " instance-id=" + UUID + " hostname=first$", 0).detail());
    assertEquals("PLASMAVMC-CLOUD-INIT-MARKER hello from user-data",
        console.await(log("first"), TestGuest.CLOUD_INIT_USER_MARKER + " hello from user-data$", 0).detail());
    console.await(log("second"), TestGuest.READY_MARKER, 0);
    assertFalse(Files.readString(log("second")).contains(TestGuest.CLOUD_INIT_MARKER), "no cloud-init, no seed");

    // The image backs both VMs' disks: it stays while they do, and so do their disks while QEMU runs.
    assertEquals(List.of("first", "second"), scratchHost.images.getImage(ScratchHost.GUEST_IMAGE).usedBy());
    assertEquals(FailureReasons.IMAGE_IN_USE,
        assertThrows(HostRefusedException.class, () -> scratchHost.images.deleteImage(ScratchHost.GUEST_IMAGE)).reason());
    assertThrows(VmStillRunningException.class, () -> host.removeDisks("first"));

    assertFalse(host.kill("first").alive());
    assertFalse(host.kill("second").alive());
    assertEquals(guestImage.sha256(), ImageFacts.sha256(image, done -> {}), "both guests wrote their disks, the image is unchanged");
    assertEquals(List.of(guestImage.name()), scratchHost.images.listImages().stream().map(ImageInfo::name).toList());
    try (Stream<Path> files = Files.list(scratchHost.storage.imageStore())) {
      assertEquals(List.of(image), files.filter(f -> !f.getFileName().toString().startsWith(".")).toList(), "one copy of the image");
    }
    assertTrue(Files.size(dir.resolve("disk0.qcow2")) < Files.size(image), "an overlay holds only what its guest wrote");

    host.removeDisks("first");
    host.removeDisks("first"); // nothing left: success
    host.removeDisks("second");
    assertFalse(Files.exists(dir));
    assertEquals(List.of(), scratchHost.images.getImage(ScratchHost.GUEST_IMAGE).usedBy());
  }

  @Test
  void aVmBootsAgainFromItsOwnDisksWhichItsSpawnKeeps() throws Exception {
    host.spawnAndStart("again", fromImage("again", 0));
    console.await(log("again"), "PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=1 ", 0);
    assertFalse(host.kill("again").alive());
    host.spawnAndStart("again", fromImage("again", 0));
    console.await(log("again"), "PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=2 ", 0);
    assertFalse(host.kill("again").alive());
    host.removeDisks("again");
  }

  @Test
  void specsTheHostCannotServeAreRefusedBeforeAnythingIsMade() throws Exception {
    assertRefused("spec.disks[0].image", VmSpec.of("missing").withDisks(List.of(DiskSpec.fromImage("no-such-image", 0))));
    Path bigSource = scratchHost.storage.importDir().resolve("big.raw");
    try (RandomAccessFile file = new RandomAccessFile(bigSource.toFile(), "rw")) {
      file.setLength(3L << 30); // sparse
    }
    scratchHost.images.importImage("big", "big.raw", null);
    assertRefused("spec.disks[0].size_gib", VmSpec.of("small").withDisks(List.of(DiskSpec.fromImage("big", 2))));
    String storeImage = scratchHost.imageFile(ScratchHost.GUEST_IMAGE, "qcow2").toString();
    assertRefused("spec.disks[0].read_only", VmSpec.of("writer").withDisks(List.of(new DiskSpec(storeImage, DiskFormat.QCOW2, false))));
    for (String vm : List.of("missing", "small", "writer")) {
      assertFalse(Files.exists(scratchHost.storage.vmsDir().resolve(vm)), vm);
      assertFalse(Files.exists(scratchHost.run.resolve(vm)), vm);
    }
    scratchHost.images.deleteImage("big");
  }

  private static void assertRefused(String field, VmSpec spec) {
    String vm = spec.name();
    assertEquals(field, assertThrows(InvalidSpecException.class, () -> host.spawn(vm, spec)).field());
  }
}
