package io.plasmavmc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** create's disks in their three forms and cloud-init files, delete --keep-disks, and how get shows a VM's storage. */
class StorageOptionsTest extends FakeGatewayTest {
  @Test
  void createSendsTheDisksInTheirOrderAndTheCloudInitFiles() throws IOException {
    Path userData = Files.writeString(configDir.resolve("user-data"), "#cloud-config\n# plasmavmc-marker: h\u00e9llo\n");
    Path network = Files.writeString(configDir.resolve("network-config"), "version: 2\n");
    Result created = call("create", "web", "--disk", "/images/data.raw:qcow2", "--disk-size", "10", "--image", "debian-12:20",
        "--image", "scratch", "--cloud-init-user-data", userData.toString(), "--cloud-init-network-config", network.toString());
    assertEquals(0, created.code(), created.err());
    VmSpec spec = vms.created.getSpec();
    assertEquals(List.of(Disk.newBuilder().setImage("debian-12").setSizeGib(20).build(), Disk.newBuilder().setImage("scratch").build(),
        Disk.newBuilder().setPath("/images/data.raw").setFormat(DiskFormat.DISK_FORMAT_QCOW2).build(), Disk.newBuilder().setSizeGib(10).build()),
        spec.getDisksList(), "the images first: the first one boots");
    assertEquals("#cloud-config\n# plasmavmc-marker: h\u00e9llo\n", spec.getCloudInit().getUserData());
    assertEquals("", spec.getCloudInit().getMetaData(), "the host's default meta-data");
    assertEquals("version: 2\n", spec.getCloudInit().getNetworkConfig());

    assertEquals(0, call("create", "bare").code());
    assertFalse(vms.created.getSpec().hasCloudInit(), "no files, no seed");
  }

  @Test
  void badDiskValuesAndCloudInitFilesExit2AndSendNothing() throws IOException {
    Path big = Files.write(configDir.resolve("big"), new byte[64 * 1024 + 1]);
    Path latin1 = Files.write(configDir.resolve("latin1"), new byte[] {'h', (byte) 0xe9, '\n'});
    Path bigMeta = Files.write(configDir.resolve("big-meta"), new byte[16 * 1024 + 1]);
    for (String[] args : List.of(new String[] {"--image", "debian-12:big"}, new String[] {"--image", "debian-12:0"},
        new String[] {"--disk-size", "-1"}, new String[] {"--disk-size", "x"}, new String[] {"--cloud-init-user-data", big.toString()},
        new String[] {"--cloud-init-user-data", latin1.toString()}, new String[] {"--cloud-init-meta-data", bigMeta.toString()},
        new String[] {"--cloud-init-network-config", configDir.resolve("none").toString()})) {
      String[] line = new String[args.length + 2];
      line[0] = "create";
      line[1] = "web";
      System.arraycopy(args, 0, line, 2, args.length);
      Result bad = call(line);
      assertEquals(2, bad.code(), String.join(" ", args) + ": " + bad.err());
      assertTrue(bad.err().startsWith("vmctl: --"), bad.err());
    }
    assertEquals(List.of(), gateway.calls);
  }

  @Test
  void deleteKeepsTheDisksWhenAsked() {
    assertEquals(0, call("delete", "demo", "--keep-disks").code());
    assertTrue(vms.deleted.getKeepDisks());
    assertEquals(0, call("delete", "demo").code());
    assertFalse(vms.deleted.getKeepDisks());
  }

  @Test
  void getShowsEachDiskInItsFormTheCloudInitDataAndTheSnapshots() {
    call("snapshot", "create", "storage", "before-upgrade");
    Result got = call("get", "storage");
    assertEquals(0, got.code(), got.err());
    String details = got.out();
    for (String line : List.of(
        "disks:       1. image debian-12, grown to 20 GiB (a copy-on-write disk of its own)",
        "             2. blank, 10 GiB (a disk of its own)",
        "             3. /var/lib/plasmavmc/images/data.raw (raw, read-only)",
        "cloud-init:  user-data 2.0 KiB, meta-data the default (instance-id, hostname), network-config 11 B",
        "snapshots:   before-upgrade           2026-12-01T10:00:00Z  disks and RAM (130.0 MiB)")) {
      assertTrue(details.contains("\n" + line + "\n"), line + " in\n" + details);
    }
  }
}
