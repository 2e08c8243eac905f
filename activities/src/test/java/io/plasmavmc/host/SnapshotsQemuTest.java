package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.QemuCommandLine;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Snapshots of VMs made from an image, against real QEMU: taken with the guest's RAM while it
 * runs, disk-only while it is stopped; restored, the guest is where it was, which it proves by
 * the boot count it finds on its disk at its next boot (the test guest counts its boots there).
 */
class SnapshotsQemuTest extends ScratchHostTest {
  private static final String BOOTS = "PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=";
  /** The guest's disk-written line whole (the console's waits match an unfinished last line too). */
  private static final String WHOLE_WRITTEN_LINE = TestGuest.DISK_WRITTEN_MARKER + " device=\\S+ boots=\\d+ boot-id=[0-9a-f-]{36}";

  @Test
  void aSnapshotWithMemoryTakesARunningGuestBackToWhereItWas() throws Exception {
    VmSpec spec = fromImage("live", 0);
    host.spawnAndStart("live", spec);
    console.await(log(), BOOTS + "1 ", 0);
    console.await(log(), TestGuest.READY_MARKER, 0);

    Snapshot booted = host.takeSnapshot("live", spec, "booted", "op-1");
    assertTrue(booted.withMemory() && booted.vmStateBytes() > 0, booted.toString());
    assertEquals(VmState.RUNNING, host.queryStatus("live").state(), "the guest runs on after the snapshot");
    assertEquals(booted, host.takeSnapshot("live", spec, "booted", "op-1"), "retried: the same snapshot, not a second one");
    assertEquals(List.of(booted), host.listSnapshots("live", spec));
    assertEquals(FailureReasons.SNAPSHOT_EXISTS, reason(() -> host.takeSnapshot("live", spec, "booted", "op-2")));

    long offset = Files.size(log());
    host.reset("live");
    console.await(log(), BOOTS + "2 ", offset);
    console.await(log(), TestGuest.READY_MARKER, offset);

    VmStatus restored = host.restoreSnapshot("live", spec, "booted", "op-3");
    assertEquals(VmState.RUNNING, restored.state(), restored.toString());
    offset = Files.size(log());
    host.reset("live");
    // Back at its first boot, the guest counts its second boot again, not its third.
    String again = console.await(log(), WHOLE_WRITTEN_LINE, offset).detail();
    assertTrue(again.startsWith(BOOTS + "2 "), again);

    // A snapshot of a paused guest leaves it paused when restored, whatever it does meanwhile.
    console.await(log(), TestGuest.READY_MARKER, offset);
    host.pause("live");
    host.takeSnapshot("live", spec, "paused", "op-4");
    assertEquals(VmState.PAUSED, host.queryStatus("live").state());
    host.cont("live");
    assertEquals(VmState.PAUSED, host.restoreSnapshot("live", spec, "paused", "op-5").state());
    assertEquals(VmState.RUNNING, host.restoreSnapshot("live", spec, "booted", "op-6").state());

    assertEquals(FailureReasons.SNAPSHOT_NOT_FOUND, reason(() -> host.restoreSnapshot("live", spec, "never", "op-7")));
    assertEquals(VmState.RUNNING, host.queryStatus("live").state(), "a refused restore leaves the guest alone");
    host.deleteSnapshot("live", spec, "booted", "op-8");
    host.deleteSnapshot("live", spec, "booted", "op-9");
    assertEquals(List.of("paused"), host.listSnapshots("live", spec).stream().map(Snapshot::name).toList());
    assertFalse(host.kill("live").alive());
    assertEquals(List.of("paused"), host.listSnapshots("live", spec).stream().map(Snapshot::name).toList(), "read from the disks now");
  }

  @Test
  void aTakeRetriedOnARestartedWorkerFindsTheJobItsFirstAttemptStartedInQemu() throws Exception {
    VmSpec spec = fromImage("crash", 0);
    try (HostActivitiesImpl first = scratchHost.newHost()) {
      first.spawnAndStart("crash", spec);
      console.await(log("crash"), TestGuest.READY_MARKER, 0);
    } // the first worker is gone, its QMP connection with it; QEMU runs on
    // What its activity had sent before it died: the job, neither waited for nor dismissed.
    try (QmpClient qmp = QmpClient.connect(QemuCommandLine.qmpSocket(host.directory("crash")), Duration.ofSeconds(5))) {
      qmp.execute("snapshot-save", Map.of("job-id", "op-crash", "tag", "mid", "vmstate", "disk0", "devices", List.of("disk0")));
    }
    try (HostActivitiesImpl restarted = scratchHost.newHost()) {
      Snapshot mid = restarted.takeSnapshot("crash", spec, "mid", "op-crash");
      assertTrue(mid.withMemory(), mid.toString());
      assertEquals(mid, restarted.takeSnapshot("crash", spec, "mid", "op-crash"));
      assertEquals(List.of(mid), restarted.listSnapshots("crash", spec), "one snapshot: the retry started no job of its own");
      assertEquals(VmState.RUNNING, restarted.queryStatus("crash").state());
      assertFalse(restarted.kill("crash").alive());
    }
  }

  @Test
  void aDiskOnlySnapshotTakesAStoppedVmsDisksBack() throws Exception {
    VmSpec spec = fromImage("cold", 0);
    host.spawnAndStart("cold", spec);
    console.await(log("cold"), BOOTS + "1 ", 0);
    assertFalse(host.kill("cold").alive());

    Snapshot stopped = host.takeSnapshot("cold", spec, "stopped", "op-1");
    assertFalse(stopped.withMemory(), stopped.toString());
    assertEquals(stopped, host.takeSnapshot("cold", spec, "stopped", "op-1"));
    host.spawnAndStart("cold", spec);
    console.await(log("cold"), BOOTS + "2 ", 0); // QEMU truncates the serial log at each start
    assertEquals(FailureReasons.SNAPSHOT_UNSUPPORTED, reason(() -> host.restoreSnapshot("cold", spec, "stopped", "op-2")),
        "a snapshot without RAM cannot be loaded into a running guest");
    assertFalse(host.kill("cold").alive());

    VmStatus restored = host.restoreSnapshot("cold", spec, "stopped", "op-3");
    assertFalse(restored.alive());
    host.spawnAndStart("cold", spec);
    String again = console.await(log("cold"), WHOLE_WRITTEN_LINE, 0).detail();
    assertTrue(again.startsWith(BOOTS + "2 "), again);
    assertFalse(host.kill("cold").alive());
    host.deleteSnapshot("cold", spec, "stopped", "op-4");
    assertEquals(List.of(), host.listSnapshots("cold", spec));
  }

  @Test
  void aVmWithoutADiskOfItsOwnHasNoSnapshots() {
    VmSpec bare = VmSpec.of("bare").withResources(1, 64).withNetwork(false, List.of());
    host.spawn("bare", bare);
    assertEquals(List.of(), host.listSnapshots("bare", bare));
    assertEquals(FailureReasons.SNAPSHOT_UNSUPPORTED, reason(() -> host.takeSnapshot("bare", bare, "s", "op-1")));
    assertFalse(host.kill("bare").alive());
  }

  private static String reason(Runnable action) {
    return assertThrows(HostRefusedException.class, action::run).reason();
  }

  private static Path log() {
    return log("live");
  }
}
