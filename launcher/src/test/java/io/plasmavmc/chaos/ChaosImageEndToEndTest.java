package io.plasmavmc.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteSnapshotRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetImageRequest;
import io.plasmavmc.api.v1.Image;
import io.plasmavmc.api.v1.ImageImport;
import io.plasmavmc.api.v1.ImportImageRequest;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.RestoreSnapshotRequest;
import io.plasmavmc.api.v1.Snapshot;
import io.plasmavmc.api.v1.SnapshotVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.contract.image.ImageImportWorkflow;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.e2e.TestImages;
import io.plasmavmc.host.storage.DiskSnapshot;
import io.plasmavmc.host.storage.QemuImg;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chaos suite for images, copy-on-write disks and snapshots: the host worker SIGKILLed while a
 * running VM's snapshot-save and snapshot-load jobs run in QEMU, while qemu-img takes and applies a
 * stopped VM's disk-only snapshot, while an image is imported and while a VM's overlay is made,
 * and Temporal's server SIGKILLed mid-snapshot. Each operation must complete on the restarted
 * worker, each VM end as it should with exactly one QEMU while it runs, and each snapshot be
 * listed, held once by the disk and loadable, which the test guest's boot counter proves: a
 * snapshot taken after boot 1 and restored makes the next boot count 2 again, whatever booted since.
 */
@Tag("chaos")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosImageEndToEndTest {
  private static final String IMAGE = "chaos-guest";
  private static final QemuImg QEMU_IMG = new QemuImg(Path.of("/usr/bin/qemu-img"), null);
  private static ChaosStack chaos;

  @BeforeAll
  static void up() throws Exception {
    chaos = ChaosStack.start("chaos (images, disks, snapshots)", "chaos-img");
    TestImages.importTestDisk(chaos.images(), chaos.storage.importDir(), IMAGE);
  }

  @AfterAll
  static void down() throws Exception {
    chaos.close();
  }

  /** A running VM booting the test guest from an overlay of the image, its first boot counted. */
  private static Vm bootFromImage(String name) throws InterruptedException {
    chaos.created(name);
    Vm vm = chaos.vms().withDeadlineAfter(4, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(name)
        .setSpec(TestImages.bootingFrom(IMAGE)).setStart(true).setWaitForReady(true).setRequestId("chaos-" + name).build());
    assertEquals(List.of(1), boots(name, 1));
    return vm;
  }

  private static Vm snapshot(String vm, String snapshot) {
    return chaos.vms().snapshotVm(SnapshotVmRequest.newBuilder().setName(vm).setSnapshot(snapshot).build());
  }

  private static Vm restore(String vm, String snapshot) {
    return chaos.vms().restoreSnapshot(RestoreSnapshotRequest.newBuilder().setName(vm).setSnapshot(snapshot).build());
  }

  private static void reboot(String vm) {
    chaos.vms().rebootVm(RebootVmRequest.newBuilder().setName(vm).build());
  }

  private static Vm stop(String vm) {
    return chaos.vms().stopVm(StopVmRequest.newBuilder().setName(vm).setTimeoutSeconds(60).build());
  }

  private static Vm start(String vm) {
    return chaos.vms().startVm(StartVmRequest.newBuilder().setName(vm).setWaitForReady(true).build());
  }

  /** Waits until the console holds {@code lines} boot counts; returns them all (a start begins a new console). */
  private static List<Integer> boots(String vm, int lines) throws InterruptedException {
    return TestImages.bootCounts(TestImages.awaitConsole(chaos.vms(), vm, console -> TestImages.bootCounts(console).size() >= lines,
        Duration.ofMinutes(2)));
  }

  private static Path vmDir(String vm) {
    return chaos.storage.vmsDir().resolve(vm);
  }

  /** qemu-img info of the VM's first disk (sharing QEMU's lock while it runs). */
  private static JsonNode firstDisk(String vm) {
    return QEMU_IMG.info(vmDir(vm).resolve("disk0.qcow2"), DiskFormat.QCOW2);
  }

  /** The names of the snapshots the VM's first disk holds, as qemu-img reads them. */
  private static List<String> onDisk(String vm) {
    return DiskSnapshot.fromJson(firstDisk(vm).path("snapshots")).stream().map(DiskSnapshot::name).toList();
  }

  /**
   * Snapshot {@code name} is consistent after the fault: GetVm lists it once, with RAM or without
   * as asked, and the disk holds it once (no second job took it again).
   */
  private static void heldOnce(String vm, String name, boolean withMemory) {
    List<Snapshot> listed = chaos.get(vm).getSnapshotsList().stream().filter(s -> s.getName().equals(name)).toList();
    assertEquals(1, listed.size(), "GetVm lists snapshot " + name + " once: " + chaos.get(vm).getSnapshotsList());
    assertEquals(withMemory, listed.get(0).getWithMemory(), name + " with the guest's RAM");
    assertEquals(1, onDisk(vm).stream().filter(name::equals).count(), "the disk holds snapshot " + name + " once: " + onDisk(vm));
  }

  /**
   * What the restarted worker did about the job its predecessor left for {@code command}: it must
   * have started none of its own, and says whether it finished the dead worker's job in QEMU or
   * found its work done.
   */
  private static String retried(String vm, String command) {
    assertEquals(List.of(), chaos.worker.printed("VM " + vm + ": " + command + " running in QEMU"),
        "the restarted worker started no second " + command + " job");
    List<String> found = chaos.worker.printed("VM " + vm + ": " + command + " job");
    return found.isEmpty() ? "its work found done" : "the job left in QEMU finished, not run again";
  }

  /**
   * What the restarted worker did about the qemu-img snapshot its predecessor was taking when it
   * died ({@code line} its log line): a SIGKILL ends the worker, not the qemu-img it started, which
   * finishes the snapshot; a worker killed before it started one leaves the retry to take it.
   */
  private static String qemuImgRetried(String line) {
    return chaos.worker.printed(line).isEmpty() ? "qemu-img had done it: the retry found it done"
        : "qemu-img had not run yet: the retry ran it";
  }

  @Test
  @Order(1)
  void workerKilledWhileARunningVmsSnapshotSaveJobRuns() throws Exception {
    bootFromImage("cs-live");
    String trigger = "VM cs-live: snapshot-save running in QEMU";
    Vm taken = chaos.killWorkerAndRestart("vm-cs-live", trigger, () -> snapshot("cs-live", "first-boot"));
    assertEquals(VmState.VM_STATE_RUNNING, taken.getState(), "the guest runs on");
    String retry = retried("cs-live", "snapshot-save");
    heldOnce("cs-live", "first-boot", true);

    // The snapshot loads: the disk goes back to boot 1, so the boot after the restore counts 2 again.
    reboot("cs-live");
    assertEquals(List.of(1, 2), boots("cs-live", 2));
    assertEquals(VmState.VM_STATE_RUNNING, restore("cs-live", "first-boot").getState());
    reboot("cs-live");
    assertEquals(List.of(1, 2, 2), boots("cs-live", 3), "the restored disk counts boot 2 again");
    chaos.recordKill("worker SIGKILLed while a RUNNING VM's snapshot-save job runs (" + retry + "); listed once, on the disk once, "
        + "restored: boots 1, 2, 2", trigger, "cs-live", VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(2)
  void workerKilledWhileARunningVmsSnapshotLoadJobRuns() throws Exception {
    // The disk counted boot 2 since the snapshot: after the restore, the next boot is 2 again, never 3.
    String trigger = "VM cs-live: snapshot-load running in QEMU";
    Vm restored = chaos.killWorkerAndRestart("vm-cs-live", trigger, () -> restore("cs-live", "first-boot"));
    assertEquals(VmState.VM_STATE_RUNNING, restored.getState(), "running, as when the snapshot was taken");
    String retry = retried("cs-live", "snapshot-load");
    reboot("cs-live");
    assertEquals(List.of(1, 2, 2, 2), boots("cs-live", 4), "the guest is the snapshot's: boot 2 again");
    chaos.recordKill("worker SIGKILLed while a RUNNING VM's snapshot-load job runs (" + retry + "); RUNNING, boots 2 again", trigger,
        "cs-live", VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(3)
  void temporalKilledDuringASnapshot() throws Exception {
    Vm taken = chaos.killTemporalDuring("VM cs-live: snapshot-save running in QEMU", () -> snapshot("cs-live", "across-temporal"));
    assertEquals(VmState.VM_STATE_RUNNING, taken.getState());
    heldOnce("cs-live", "across-temporal", true);
    Vm left = chaos.vms().deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName("cs-live").setSnapshot("across-temporal").build());
    assertEquals(List.of("first-boot"), left.getSnapshotsList().stream().map(Snapshot::getName).toList());
    assertEquals(List.of("first-boot"), onDisk("cs-live"));
    chaos.record("Temporal server SIGKILLed during a RUNNING VM's snapshot-save, restarted: listed once, on the disk once, then deleted",
        "Temporal SIGKILL", "cs-live", chaos.get("cs-live").getState(), VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(4)
  void workerKilledDuringAStoppedVmsDiskOnlySnapshot() throws Exception {
    bootFromImage("cs-cold");
    assertEquals(VmState.VM_STATE_STOPPED, stop("cs-cold").getState());
    String trigger = "VM cs-cold: qemu-img snapshot -c cold on disk 0";
    Vm taken = chaos.killWorkerAndRestart("vm-cs-cold", trigger, () -> snapshot("cs-cold", "cold"));
    assertEquals(VmState.VM_STATE_STOPPED, taken.getState());
    String retry = qemuImgRetried(trigger);
    heldOnce("cs-cold", "cold", false);
    // Each start is a new QEMU with a console of its own: this boot's count alone.
    start("cs-cold");
    assertEquals(List.of(2), boots("cs-cold", 1));
    assertEquals(VmState.VM_STATE_STOPPED, stop("cs-cold").getState());
    chaos.recordKill("worker SIGKILLed during a STOPPED VM's disk-only snapshot (" + retry + "): listed once, on the disk once", trigger,
        "cs-cold", VmState.VM_STATE_STOPPED, 0);
  }

  @Test
  @Order(5)
  void workerKilledDuringAStoppedVmsDiskOnlyRestore() throws Exception {
    String trigger = "VM cs-cold: qemu-img snapshot -a cold on disk 0";
    Vm restored = chaos.killWorkerAndRestart("vm-cs-cold", trigger, () -> restore("cs-cold", "cold"));
    assertEquals(VmState.VM_STATE_STOPPED, restored.getState(), "a stopped VM stays stopped");
    start("cs-cold");
    assertEquals(List.of(2), boots("cs-cold", 1), "the disk went back to boot 1: this boot is 2 again");
    chaos.recordKill("worker SIGKILLed during a STOPPED VM's disk-only restore (qemu-img, applied again by the retry): the next start "
        + "boots 2 again", trigger, "cs-cold", VmState.VM_STATE_RUNNING, 1);
  }

  @Test
  @Order(6)
  void workerKilledDuringAnImageImport() throws Exception {
    Path source = chaos.storage.importDir().resolve("big.raw");
    sparseWithData(source, 512L << 20);
    String sha256 = TestImages.sha256(source);
    String trigger = "image big: checksumming";
    ImageImport done = chaos.killWorkerAndRestart(ImageImportWorkflow.workflowId(chaos.hostId, "big"), trigger, () -> {
      chaos.images().importImage(ImportImageRequest.newBuilder().setName("big").setSource("big.raw").build());
      try {
        // The import's retry waits out its heartbeat timeout (three monitor intervals) after the worker's death.
        return TestImages.awaitImport(chaos.images(), "big", Duration.ofMinutes(2));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Image image = chaos.images().getImage(GetImageRequest.newBuilder().setName("big").build());
    assertEquals(sha256, image.getSha256(), "the image is the source, byte for byte");
    assertEquals(sha256, done.getImage().getSha256());
    assertEquals(sha256, TestImages.sha256(chaos.storage.imageStore().resolve("big.raw")), "kept raw, as imported");
    Set<String> store;
    try (Stream<Path> files = Files.list(chaos.storage.imageStore())) {
      store = files.map(file -> file.getFileName().toString()).collect(Collectors.toSet());
    }
    assertTrue(store.stream().noneMatch(file -> file.endsWith(".tmp")), "no temporary file left in the store: " + store);
    chaos.recordWithoutVm("worker SIGKILLed during an image import (512 MiB raw, copied, being checksummed): imported again on the "
        + "restarted worker, sha256 the source's, no temporary file left", ChaosStack.killedAt(trigger), true, "DONE");
  }

  @Test
  @Order(7)
  void workerKilledWhileAVmsOverlayIsMade() throws Exception {
    String trigger = "VM cs-overlay: making disk 0";
    chaos.created("cs-overlay");
    Vm created = chaos.killWorkerAndRestart("vm-cs-overlay", trigger, () -> chaos.vms().createVm(CreateVmRequest.newBuilder()
        .setName("cs-overlay").setSpec(TestImages.bootingFrom(IMAGE)).setStart(true).setRequestId("chaos-cs-overlay").build()));
    assertEquals(VmState.VM_STATE_RUNNING, created.getState());
    assertEquals(Set.of("disk0.qcow2", "disks.json"), filesOf(vmDir("cs-overlay")), "one overlay and its record, nothing half made");
    assertEquals(chaos.storage.imageStore().resolve(IMAGE + ".qcow2").toString(), firstDisk("cs-overlay").path("backing-filename").asText(),
        "an overlay of the image");
    assertEquals(List.of(1), boots("cs-overlay", 1), "the guest boots from it, a fresh disk");
    chaos.recordKill("worker SIGKILLed while a VM's overlay of an image is made (CreateVm): one overlay, the guest boots from it", trigger,
        "cs-overlay", VmState.VM_STATE_RUNNING, 1);

    chaos.vms().deleteVm(DeleteVmRequest.newBuilder().setName("cs-overlay").build());
    assertFalse(Files.exists(vmDir("cs-overlay")), "DeleteVm removes the VM's directory");
  }

  private static Set<String> filesOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(file -> file.getFileName().toString()).collect(Collectors.toSet());
    }
  }

  /** A sparse raw disk of {@code size} bytes with a MiB of random bytes here and there: checksummed over data, not only holes. */
  private static void sparseWithData(Path file, long size) throws IOException {
    Random random = new Random(17);
    byte[] mib = new byte[1 << 20];
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long at : new long[] {0, size / 3, size / 2, size - mib.length}) {
        random.nextBytes(mib);
        channel.write(ByteBuffer.wrap(mib), at);
      }
    }
  }
}
