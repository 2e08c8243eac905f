package io.plasmavmc.host.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.HostRefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Snapshots} decides, against a backend in memory: repeated jobs, names taken, what cannot be done. */
class SnapshotsTest {
  @TempDir Path vmDir;
  private FakeBackend backend;
  private Snapshots snapshots;
  private DiskLayout layout;

  @BeforeEach
  void setUp() throws Exception {
    layout = new DiskLayout(vmDir, List.of(
        disk(0, "disk0.qcow2", DiskFormat.QCOW2, false, true),
        disk(1, "data.qcow2", DiskFormat.QCOW2, false, false),
        disk(2, "seed.raw", DiskFormat.RAW, true, false)), null);
    backend = new FakeBackend(2);
    snapshots = Snapshots.of(layout, disks -> {
      assertEquals(List.of(0, 1), disks.stream().map(DiskLayout.Disk::index).toList(), "the writable disks, the first own one first");
      return backend;
    });
  }

  private DiskLayout.Disk disk(int index, String file, DiskFormat format, boolean readOnly, boolean owned) throws Exception {
    return new DiskLayout.Disk(index, Files.createFile(vmDir.resolve(file)), format, readOnly, owned, null, 1 << 30);
  }

  @Test
  void aRepeatedTakeOfOneJobTakesOneSnapshot() {
    Snapshot taken = snapshots.take("s1", "job-1");
    assertEquals("s1", taken.name());
    assertTrue(taken.withMemory());
    assertEquals(taken, snapshots.take("s1", "job-1"), "the job finished: found, not taken again");
    assertEquals(1, backend.saves);
    assertEquals(FailureReasons.SNAPSHOT_EXISTS, reason(() -> snapshots.take("s1", "job-2")));
    assertEquals(List.of(taken), snapshots.list());
  }

  @Test
  void aTakeRetriedAfterAWorkerCrashWaitsForItsJobInsteadOfStartingAnother() {
    SnapshotJournal.of(vmDir).taking("s1", "job-1", "running"); // the crashed attempt recorded its take, QEMU runs its job
    backend.jobs.put("job-1", () -> backend.add("s1", 0, 1));
    assertEquals("s1", snapshots.take("s1", "job-1").name());
    assertEquals(0, backend.saves, "no second job");
  }

  @Test
  void aSnapshotHalfTakenByTheSameJobIsTakenAgainWhole() {
    SnapshotJournal.of(vmDir).taking("s1", "job-1", null);
    backend.add("s1", 0); // qemu-img took it on the first disk before the worker died
    assertEquals("s1", snapshots.take("s1", "job-1").name());
    assertEquals(List.of("s1"), backend.deleted);
    assertEquals(1, backend.saves);
  }

  @Test
  void aFailedTakeLeavesNothingBehind() {
    backend.failSaveAfterDisks = 1;
    assertThrows(IllegalStateException.class, () -> snapshots.take("s1", "job-1"));
    assertEquals(List.of(List.of(), List.of()), backend.perDisk());
    assertTrue(SnapshotJournal.of(vmDir).taken("s1").isEmpty());
    backend.failSaveAfterDisks = -1;
    assertEquals("s1", snapshots.take("s1", "job-2").name(), "the name is free again");
  }

  @Test
  void aRestoreLeavesTheGuestAsItWasWhenTheSnapshotWasTaken() {
    backend.runState = "paused";
    snapshots.take("paused-then", "job-1");
    backend.runState = "running";
    snapshots.restore("paused-then", "job-2");
    assertEquals("paused", backend.runState);
    assertEquals(1, backend.loads);
    snapshots.restore("paused-then", "job-2");
    assertEquals(1, backend.loads, "a finished restore is not done again");
  }

  @Test
  void whatCannotBeRestoredIsRefused() {
    assertEquals(FailureReasons.SNAPSHOT_NOT_FOUND, reason(() -> snapshots.restore("missing", "job-1")));
    backend.add("half", 0);
    assertEquals(FailureReasons.SNAPSHOT_NOT_FOUND, reason(() -> snapshots.restore("half", "job-2")), "on one disk only: not a snapshot");
    backend.runState = null;
    snapshots.take("cold", "job-3"); // of a stopped VM: no RAM
    backend.runState = "running";
    assertEquals(FailureReasons.SNAPSHOT_UNSUPPORTED, reason(() -> snapshots.restore("cold", "job-4")));
    assertEquals(0, backend.loads);
  }

  @Test
  void deletingIsRepeatableAndListingCountsOnlyWholeSnapshots() {
    snapshots.take("a", "job-1");
    snapshots.take("b", "job-2");
    backend.add("half", 1);
    assertEquals(List.of("a", "b"), snapshots.list().stream().map(Snapshot::name).toList());
    snapshots.delete("a", "job-3");
    snapshots.delete("a", "job-4");
    snapshots.delete("never", "job-5");
    assertEquals(List.of("b"), snapshots.list().stream().map(Snapshot::name).toList());
    assertEquals(List.of("a"), backend.deleted);
  }

  @Test
  void namesAndJobIdsAreBounded() {
    assertEquals("name", assertThrows(InvalidSpecException.class, () -> snapshots.take("../x", "job-1")).field());
    assertEquals("name", assertThrows(InvalidSpecException.class, () -> snapshots.take("a".repeat(64), "job-1")).field());
    assertEquals("job_id", assertThrows(InvalidSpecException.class, () -> snapshots.take("ok", "j\nx")).field());
    assertEquals("job_id", assertThrows(InvalidSpecException.class, () -> snapshots.take("ok", "1-starts-with-a-digit")).field());
  }

  @Test
  void aVmWithoutAQcow2DiskOfItsOwnOrWithAWritableRawDiskCannotHaveSnapshots() throws Exception {
    DiskLayout noOwn = new DiskLayout(vmDir, List.of(layout.disks().get(1)), null);
    Snapshots none = Snapshots.of(noOwn, disks -> backend);
    assertEquals(FailureReasons.SNAPSHOT_UNSUPPORTED, reason(() -> none.take("s1", "job-1")));
    assertEquals(List.of(), none.list());
    none.delete("s1", "job-2"); // nothing to delete: success
    DiskLayout writableRaw = new DiskLayout(vmDir, List.of(layout.disks().get(0), disk(3, "scratch.raw", DiskFormat.RAW, false, false)), null);
    assertEquals(FailureReasons.SNAPSHOT_UNSUPPORTED, reason(() -> Snapshots.of(writableRaw, disks -> backend).take("s1", "job-3")));
  }

  private static String reason(Runnable action) {
    return assertThrows(HostRefusedException.class, action::run).reason();
  }

  /** Snapshots in memory, per disk; QEMU's jobs as actions run when finished; run states as given. */
  private static final class FakeBackend implements SnapshotBackend {
    final List<List<DiskSnapshot>> disks = new ArrayList<>();
    final Map<String, Runnable> jobs = new HashMap<>();
    final List<String> deleted = new ArrayList<>();
    String runState = "running";
    int saves;
    int loads;
    int failSaveAfterDisks = -1;
    private long clock;

    FakeBackend(int count) {
      for (int i = 0; i < count; i++) {
        disks.add(new ArrayList<>());
      }
    }

    void add(String name, int... indexes) {
      clock++;
      for (int i : indexes) {
        disks.get(i).add(new DiskSnapshot(name, Instant.ofEpochSecond(clock), runState == null ? 0 : 1000));
      }
    }

    @Override
    public List<List<DiskSnapshot>> perDisk() {
      return disks.stream().map(List::copyOf).toList();
    }

    @Override
    public boolean finishJob(String jobId) {
      Runnable job = jobs.remove(jobId);
      if (job != null) {
        job.run();
      }
      return job != null;
    }

    @Override
    public void save(String name, String jobId) {
      saves++;
      if (failSaveAfterDisks >= 0) {
        add(name, 0);
        throw new IllegalStateException("the disk is full");
      }
      add(name, 0, 1);
    }

    @Override
    public void load(String name, String jobId) {
      loads++;
    }

    @Override
    public void delete(String name, String jobId, List<Integer> indexes) {
      deleted.add(name);
      indexes.forEach(i -> disks.get(i).removeIf(s -> s.name().equals(name)));
    }

    @Override
    public String runState() {
      return runState;
    }

    @Override
    public void resumeAs(String value) {
      runState = value;
    }
  }
}
