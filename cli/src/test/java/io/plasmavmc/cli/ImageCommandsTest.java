package io.plasmavmc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.api.v1.DiskFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** vmctl image list|get|import|import-status|delete against the fake gateway: output and exit codes. */
class ImageCommandsTest extends FakeGatewayTest {
  @Test
  void listShowsOneLineAnImage() {
    Result list = call("image", "list", "--host", "h1");
    assertEquals(0, list.code(), list.err());
    assertEquals("h1", images.listed.getHostId());
    assertEquals(List.of(
        "NAME                     FORMAT    VIRTUAL    ON DISK  USED BY          SHA256",
        "alpine                   qcow2     2.0 GiB  412.3 MiB  -                3f1c9a0e5d2b",
        "debian-12                qcow2     2.0 GiB  412.3 MiB  web,db           3f1c9a0e5d2b"), list.out().lines().toList());
  }

  @Test
  void getShowsTheImagesDetailsAndAMissingOneExits3() {
    Result got = call("image", "get", "debian-12");
    assertEquals(0, got.code(), got.err());
    assertEquals(List.of(
        "name:        debian-12",
        "host:        h1",
        "format:      qcow2",
        "size:        2.0 GiB as guests see it, 412.3 MiB on the host",
        "sha256:      3f1c9a0e5d2b" + "0".repeat(52),
        "modified:    2026-12-01T10:00:00Z",
        "used by:     web, db"), got.out().lines().toList());

    Result missing = call("image", "get", "missing");
    assertEquals(3, missing.code());
    assertEquals("vmctl: NOT_FOUND: no image missing on host h1\n  reason IMAGE_NOT_FOUND\n", missing.err());
  }

  @Test
  void importWithWatchShowsProgressThenTheImage() {
    Result imported = call("image", "import", "ubuntu", "ubuntu-24.04.raw", "--convert", "qcow2", "--watch");
    assertEquals(0, imported.code(), imported.err());
    assertEquals("ubuntu-24.04.raw", images.imported.getSource());
    assertEquals(DiskFormat.DISK_FORMAT_QCOW2, images.imported.getConvertTo());
    assertEquals(List.of("  starting", "  converting 50% (1.0 GiB of 2.0 GiB)", "  converting 100% (2.0 GiB of 2.0 GiB)"),
        imported.err().lines().toList());
    assertTrue(imported.out().startsWith("name:        ubuntu\n"), imported.out());
  }

  @Test
  void importWithoutWatchAnswersAtOnceAndSaysHowToFollowIt() {
    Result started = call("image", "import", "ubuntu", "ubuntu-24.04.raw");
    assertEquals(0, started.code(), started.err());
    assertEquals(DiskFormat.DISK_FORMAT_UNSPECIFIED, images.imported.getConvertTo());
    assertEquals("importing image ubuntu on host h1: RUNNING (follow it: vmctl image import-status ubuntu, or in the Temporal UI: workflow "
        + "image-import-h1-ubuntu)\n", started.out());
  }

  @Test
  void aFailedImportExits1SayingWhyAndATakenNameExits5() {
    Result failed = call("image", "import", "broken", "broken.raw", "--watch");
    assertEquals(1, failed.code(), failed.err());
    assertEquals("import of image broken on host h1: FAILED: source: not a disk image qemu-img can read\n", failed.out());
    assertEquals(1, call("image", "import-status", "broken").code());

    Result taken = call("image", "import", "debian-12", "debian.qcow2");
    assertEquals(5, taken.code());
    assertEquals("vmctl: ALREADY_EXISTS: image debian-12 exists already on host h1\n  reason IMAGE_EXISTS\n", taken.err());
  }

  @Test
  void deleteIsRefusedWhileVmsUseTheImageNamingThem() {
    Result inUse = call("image", "delete", "debian-12");
    assertEquals(5, inUse.code());
    assertTrue(inUse.err().contains("  hosts/h1/images/debian-12: used by VMs web, db\n"), inUse.err());
    assertTrue(inUse.err().contains("  reason IMAGE_IN_USE\n"), inUse.err());

    Result deleted = call("image", "delete", "alpine", "--host", "h1");
    assertEquals(0, deleted.code(), deleted.err());
    assertEquals("deleted image alpine on host h1\n", deleted.out());
  }

  @Test
  void imageAloneShowsItsCommandsAndExits2() {
    Result usage = call("image");
    assertEquals(2, usage.code());
    for (String command : List.of("list", "get", "import", "import-status", "delete")) {
      assertTrue(usage.out().contains("\n  " + command + " "), command + " in\n" + usage.out());
    }
    Result noSource = call("image", "import", "ubuntu");
    assertEquals(2, noSource.code());
    assertTrue(noSource.err().contains("SOURCE"), noSource.err());
    Result vmdk = call("image", "import", "ubuntu", "ubuntu.vmdk", "--convert", "vmdk");
    assertEquals(2, vmdk.code());
    assertEquals("vmctl: --convert must be qcow2 or raw, not vmdk\n", vmdk.err());
    assertEquals(List.of(), gateway.calls, "nothing sent");
  }
}
