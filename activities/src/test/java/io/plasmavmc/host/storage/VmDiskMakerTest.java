package io.plasmavmc.host.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.spec.CloudInit;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.ImageRoots;
import io.plasmavmc.host.testing.TestTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A VM's own storage as a spawn makes it, again and again, and what a crash may have left of it. */
class VmDiskMakerTest {
  private static final long GIB = 1L << 30;

  @TempDir Path tmp;
  private Path store;
  private ImageFiles images;
  private VmDisks disks;
  private VmDiskMaker maker;
  private final VmSpec spec = VmSpec.of("web").withUuid("6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b")
      .withDisks(List.of(DiskSpec.fromImage("base", 2), DiskSpec.blank(1)))
      .withCloudInit(new CloudInit("#cloud-config\n# plasmavmc-marker: hi\n", null, "version: 2\n"));

  @BeforeEach
  void setUp() throws Exception {
    store = Files.createDirectories(tmp.resolve("images"));
    Qcow2Overlay.blank(store.resolve("base.qcow2"), GIB, false);
    images = new ImageFiles(store);
    disks = new VmDisks(tmp.resolve("vms"), images, new ImageRoots(List.of()));
    maker = new VmDiskMaker(disks, images, null);
  }

  private boolean make(String vmId) throws Exception {
    return maker.make(vmId, disks.plan(vmId, spec), spec);
  }

  @Test
  void aSpawnMakesWhatIsMissingAndKeepsWhatIsThere() throws Exception {
    assertTrue(make("vm-1"));
    Path dir = disks.directory("vm-1");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    assertEquals(new Qcow2Header(3, 2 * GIB, Optional.of(store.resolve("base.qcow2").toString())),
        Qcow2Header.read(dir.resolve("disk0.qcow2")).orElseThrow());
    assertEquals(GIB, Qcow2Header.read(dir.resolve("disk1.qcow2")).orElseThrow().virtualSize());
    assertEquals("instance-id: 6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b\nlocal-hostname: web\n", seedFile(dir, "meta-data"));
    assertEquals("#cloud-config\n# plasmavmc-marker: hi\n", seedFile(dir, "user-data"));
    assertEquals("version: 2\n", seedFile(dir, "network-config"));

    // What the guest wrote stays: a second spawn (the VM started again) makes nothing anew.
    Files.write(dir.resolve("disk0.qcow2"), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
    long written = Files.size(dir.resolve("disk0.qcow2"));
    assertFalse(make("vm-1"));
    assertEquals(written, Files.size(dir.resolve("disk0.qcow2")));
    try (var files = Files.list(dir)) {
      assertEquals(List.of("disk0.qcow2", "disk1.qcow2", "disks.json", "seed.img"), files.map(f -> f.getFileName().toString()).sorted().toList(),
          "no temporary file left");
    }
  }

  @Test
  void aDiskAHostCrashLeftEmptyIsMadeAgainAndALostRecordIsReadFromTheOverlays() throws Exception {
    make("vm-1");
    Path dir = disks.directory("vm-1");
    Files.write(dir.resolve("disk0.qcow2"), new byte[0]);
    Files.write(dir.resolve("disks.json"), new byte[0]);
    make("vm-1");
    assertTrue(Qcow2Header.read(dir.resolve("disk0.qcow2")).isPresent());
    assertEquals(Map.of("base", List.of("vm-1")), DiskRecords.usersByImage(disks.vmsDir(), store));
  }

  @Test
  void anImageDeletedSinceThePlanLeavesNoVmDirectory() throws Exception {
    DiskLayout planned = disks.plan("vm-2", spec);
    Files.delete(store.resolve("base.qcow2"));
    assertEquals("spec.disks[0].image", assertThrows(InvalidSpecException.class, () -> maker.make("vm-2", planned, spec)).field());
    assertFalse(Files.exists(disks.directory("vm-2")));
    assertEquals(Map.of(), DiskRecords.usersByImage(disks.vmsDir(), store));
  }

  /** A file of the VM's seed, read back by mtools as the guest's vfat driver would see it. */
  private static String seedFile(Path dir, String name) throws Exception {
    Path mtype = TestTools.require("/usr/bin/mtype", "mtools");
    ProcessBuilder read = new ProcessBuilder(mtype.toString(), "-i", dir.resolve("seed.img").toString(), "::" + name);
    read.environment().put("MTOOLS_SKIP_CHECK", "1");
    Process process = read.start();
    String content = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.waitFor());
    return content;
  }
}
