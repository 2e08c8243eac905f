package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.QemuIdentity;
import io.plasmavmc.host.storage.ImageFacts;
import io.plasmavmc.host.testing.GuestConsole;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.host.testing.TestTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test guest's own images against real QEMU, through the host activities: its bootable disk
 * image booted from copy-on-write overlays (SeaBIOS and SYSLINUX from a virtio-blk disk, no
 * -kernel), and a cloud-init NoCloud seed reaching the guest. Under TCG, as every guest that boots
 * a kernel in these tests. The image is a base: VMs boot from overlays made here, never from it.
 */
class TestGuestImagesTest {
  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
  private static final QemuIdentity IDENTITY = QemuIdentity.ensure("plasmavmc-qemu");
  private static final Duration BOOT = Duration.ofSeconds(90);

  @TempDir Path tmp;
  private Path run;
  /** An image root of the test's own: the overlays and the seed, which QEMU's user opens. */
  private Path disks;
  private HostActivitiesImpl host;
  private final GuestConsole console = new GuestConsole(BOOT);

  @BeforeEach
  void setUp() throws Exception {
    // QEMU's user passes through the scratch directory to its runtime directory and the disks.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    run = Files.createDirectories(tmp.resolve("run"));
    disks = Files.createDirectories(tmp.resolve("disks"));
    Files.setPosixFilePermissions(disks, PosixFilePermissions.fromString("rwx--x--x"));
    host = new HostActivitiesImpl(HostConfig.of(run, QEMU, List.of(TestGuest.dir(), disks), false).withQemuIdentity(IDENTITY));
  }

  @AfterEach
  void tearDown() {
    for (Long pid : QemuProcessTable.livePidsMentioning(run)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    console.close();
    host.close();
  }

  @Test
  void twoGuestsBootFromOverlaysOfTheDiskImageAndTheImageStaysAsItWas() throws Exception {
    Path image = TestGuest.disk();
    String before = sha256(image);
    for (String vm : List.of("first", "second")) {
      host.spawn(vm, fromDisk(vm, List.of(new DiskSpec(overlay(vm).toString(), DiskFormat.QCOW2, false))));
      List<String> args = Files.readAllLines(host.directory(vm).commandLineFile());
      assertFalse(args.contains("-kernel"), "booted by the firmware from the disk: " + args);
    }
    long started = System.currentTimeMillis();
    host.cont("first");
    host.cont("second");

    ProbeResult firstReady = await("first", TestGuest.READY_MARKER + " variant=graceful", 0);
    System.out.println("disk image: first guest ready " + (firstReady.noticedAtMillis() - started) + " ms after cont (TCG, two guests at once)");
    await("second", TestGuest.READY_MARKER + " variant=graceful", 0);
    // Both wrote their disks (the image's boot log partition) before they were ready.
    // Whole lines awaited: the console's waits match the unfinished last line too (a prompt).
    String written = TestGuest.DISK_WRITTEN_MARKER + " device=/dev/vda2 boots=1 boot-id=[0-9a-f-]{36}";
    String firstWrote = await("first", written, 0).detail();
    String secondWrote = await("second", written, 0).detail();
    assertTrue(firstWrote.matches("PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=1 boot-id=[0-9a-f-]{36}"), firstWrote);
    assertTrue(secondWrote.matches("PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=1 boot-id=[0-9a-f-]{36}"), secondWrote);
    assertNotEquals(firstWrote, secondWrote, "two boots, two boot ids");
    assertFalse(Files.readString(host.directory("first").serialLog()).contains(TestGuest.CLOUD_INIT_MARKER),
        "no seed, nothing about cloud-init");

    // What a guest writes stays in its overlay: booted again, the first guest counts its second boot.
    Path firstLog = host.directory("first").serialLog();
    long offset = Files.size(firstLog);
    host.reset("first");
    String again = await("first", TestGuest.DISK_WRITTEN_MARKER + " device=\\S+ boots=\\d+ boot-id=[0-9a-f-]{36}", offset).detail();
    assertTrue(again.startsWith("PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=2 "), again);
    await("first", TestGuest.READY_MARKER, offset);

    // The disk-booted guest powers off on the ACPI power button, as the graceful guest does.
    try {
      host.powerdown("first");
    } catch (VmNotRunningException poweredOffAtOnce) {
      // off before QEMU answered the query that follows the button (see HostActivitiesQemuTest)
    }
    VmStatus off = host.awaitExit("first", Duration.ofSeconds(30));
    assertEquals(VmState.STOPPED, off.state(), off.toString());
    assertEquals("the guest powered off", off.reason());
    assertFalse(host.kill("second").alive());

    assertEquals(before, sha256(image), "both guests wrote their disks, the image underneath is unchanged");
  }

  @Test
  void aCloudInitSeedOnASecondReadOnlyDiskReachesTheGuest() throws Exception {
    Path seed = TestGuest.writeCloudInitSeed(disks.resolve("seed.img"),
        "instance-id: iid-plasmavmc-test-1\nlocal-hostname: seeded-guest\n",
        // Markers are YAML comments: the user-data stays a valid #cloud-config. What follows them
        // is data to the guest, printed and never run.
        "#cloud-config\n# plasmavmc-marker: the seed reached the guest\nruncmd:\n  - [ echo, never run here ]\n"
            + "#plasmavmc-marker: second 'marker' $(not run)\n",
        "version: 2\nethernets: {}\n");
    host.spawn("seeded", fromDisk("seeded", List.of(new DiskSpec(overlay("seeded").toString(), DiskFormat.QCOW2, false),
        new DiskSpec(seed.toString(), DiskFormat.RAW, true))));
    host.cont("seeded");

    String ready = await("seeded", TestGuest.READY_MARKER + " variant=graceful$", 0).detail();
    assertEquals("PLASMAVMC-GUEST-READY variant=graceful", ready);
    // The guest prints what came from the seed before it is ready: one wait covers all of it.
    List<String> lines = Files.readString(host.directory("seeded").serialLog()).lines().map(l -> l.replace("\r", ""))
        .filter(l -> l.startsWith("PLASMAVMC-")).toList();
    assertEquals(List.of(
        "PLASMAVMC-DISK-WRITTEN",
        "PLASMAVMC-CLOUD-INIT instance-id=iid-plasmavmc-test-1 hostname=seeded-guest",
        "PLASMAVMC-CLOUD-INIT-FILES meta-data user-data network-config",
        "PLASMAVMC-CLOUD-INIT-MARKER the seed reached the guest",
        "PLASMAVMC-CLOUD-INIT-MARKER second 'marker' $(not run)",
        "PLASMAVMC-GUEST-READY variant=graceful"),
        lines.stream().map(l -> l.startsWith(TestGuest.DISK_WRITTEN_MARKER) ? TestGuest.DISK_WRITTEN_MARKER : l).toList(),
        "the seed's lines, in order, before the ready marker");
    assertFalse(host.kill("seeded").alive());
  }

  /** A VM booted by its firmware from its first disk (no -kernel), as a VM made from an image is. */
  private static VmSpec fromDisk(String name, List<DiskSpec> disks) {
    return VmSpec.of(name).withAccelerator(Accelerator.TCG).withNetwork(false, List.of()).withDisks(disks);
  }

  /** A copy-on-write overlay of the disk image for one VM, writable by QEMU's user; the image is its backing file. */
  private Path overlay(String vm) throws Exception {
    Path qemuImg = TestTools.require("/usr/bin/qemu-img", "qemu-utils");
    Path overlay = disks.resolve(vm + ".qcow2");
    TestGuest.run(List.of(qemuImg.toString(), "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", TestGuest.disk().toString(),
        overlay.toString()));
    if (IDENTITY != null) {
      IDENTITY.own(overlay);
    }
    return overlay;
  }

  /** Waits for a console line of the VM after byte {@code from} that matches {@code pattern} (RE2). */
  private ProbeResult await(String vm, String pattern, long from) throws Exception {
    return console.await(host.directory(vm).serialLog(), pattern, from);
  }

  private static String sha256(Path file) throws Exception {
    return ImageFacts.sha256(file, done -> {});
  }
}
