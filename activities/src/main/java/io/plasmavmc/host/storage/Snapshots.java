package io.plasmavmc.host.storage;

import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.HostRefusedException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VM's snapshots: internal qcow2 snapshots of every writable disk (each must be qcow2), the VM
 * state in the first disk of its own, kept by a {@link SnapshotBackend} (QEMU or qemu-img). Every
 * operation may be repeated: a job that finished is not done again, a job QEMU still knows is
 * waited for, a snapshot its own job took is found rather than taken twice. A snapshot counts
 * when every snapshot disk holds it.
 */
public final class Snapshots {
  private static final Logger log = LoggerFactory.getLogger(Snapshots.class);
  /** QEMU's own rule for a job's id (id_wellformed), bounded. */
  private static final Pattern JOB_ID = Pattern.compile("[a-zA-Z][a-zA-Z0-9._-]{0,127}");

  private final DiskLayout layout;
  private final List<DiskLayout.Disk> disks;
  private final String unsupported;
  private final SnapshotBackend backend;

  private Snapshots(DiskLayout layout, List<DiskLayout.Disk> disks, String unsupported, SnapshotBackend backend) {
    this.layout = layout;
    this.disks = disks;
    this.unsupported = unsupported;
    this.backend = backend;
  }

  /** The snapshots of the VM whose disks are laid out as {@code layout}, kept by the backend made for its snapshot disks. */
  public static Snapshots of(DiskLayout layout, Function<List<DiskLayout.Disk>, SnapshotBackend> backends) {
    String why = whyUnsupported(layout);
    if (why != null) {
      return new Snapshots(layout, List.of(), why, null);
    }
    List<DiskLayout.Disk> disks = new ArrayList<>();
    DiskLayout.Disk first = layout.owned().get(0);
    disks.add(first);
    layout.disks().stream().filter(disk -> !disk.readOnly() && disk != first).forEach(disks::add);
    return new Snapshots(layout, disks, null, backends.apply(disks));
  }

  private static String whyUnsupported(DiskLayout layout) {
    if (layout.owned().isEmpty()) {
      return "the VM has no disk of its own (made from an image, or blank): snapshots are kept in those";
    }
    for (DiskLayout.Disk disk : layout.disks()) {
      if (!disk.readOnly() && disk.format() != DiskFormat.QCOW2) {
        return "disk " + disk.index() + " is a writable raw file: snapshots need every writable disk in qcow2 (or attach it read-only)";
      }
    }
    return null;
  }

  /** Takes snapshot {@code name} as job {@code jobId}; see HostActivities#takeSnapshot. */
  public Snapshot take(String name, String jobId) {
    SnapshotJournal journal = ready(name, jobId);
    if (journal.finished(jobId)) {
      Optional<Snapshot> taken = find(name);
      if (taken.isPresent()) {
        return taken.get();
      }
    }
    boolean ours = journal.taken(name).map(taken -> taken.jobId().equals(jobId)).orElse(false);
    if (finishJob(journal, jobId, ours ? name : null)) {
      return finished(journal, name, jobId);
    }
    List<Integer> having = having(name);
    if (!having.isEmpty()) {
      if (!ours) {
        throw HostRefusedException.snapshotExists(name);
      }
      if (having.size() == disks.size()) {
        return finished(journal, name, jobId);
      }
      backend.delete(name, jobId, having); // this job's own, half taken before a crash: taken again whole
    }
    journal.taking(name, jobId, backend.runState());
    try {
      backend.save(name, jobId);
    } catch (RuntimeException e) {
      undo(journal, name, jobId);
      throw e;
    }
    return finished(journal, name, jobId);
  }

  /** Returns the VM to snapshot {@code name} as job {@code jobId}; see HostActivities#restoreSnapshot. */
  public void restore(String name, String jobId) {
    SnapshotJournal journal = ready(name, jobId);
    if (journal.finished(jobId)) {
      return;
    }
    if (!finishJob(journal, jobId, null)) {
      List<List<DiskSnapshot>> perDisk = backend.perDisk();
      if (having(perDisk, name).size() < disks.size()) {
        throw HostRefusedException.snapshotNotFound(name);
      }
      boolean memory = perDisk.get(0).stream().anyMatch(s -> s.name().equals(name) && s.vmStateBytes() > 0);
      if (backend.runState() != null && !memory) {
        throw HostRefusedException.snapshotUnsupported("snapshot " + name + " holds no RAM (it was taken of a stopped VM): "
            + "stop the VM to restore its disks");
      }
      backend.load(name, jobId);
    }
    if (backend.runState() != null) {
      journal.taken(name).map(SnapshotJournal.Taken::runState).ifPresent(backend::resumeAs);
    }
    journal.finish(jobId);
  }

  /** Deletes snapshot {@code name} from every disk that has it; a missing one is success. */
  public void delete(String name, String jobId) {
    checkNames(name, jobId);
    if (unsupported != null || !disksExist()) {
      return;
    }
    SnapshotJournal journal = SnapshotJournal.of(layout.directory());
    if (journal.finished(jobId)) {
      return;
    }
    if (!finishJob(journal, jobId, null)) {
      List<Integer> having = having(name);
      if (!having.isEmpty()) {
        backend.delete(name, jobId, having);
      }
    }
    journal.forget(name);
    journal.finish(jobId);
  }

  /** The snapshots every snapshot disk holds, oldest first; none for a VM that cannot have any. */
  public List<Snapshot> list() {
    if (unsupported != null || !disksExist()) {
      return List.of();
    }
    List<List<DiskSnapshot>> perDisk = backend.perDisk();
    return perDisk.get(0).stream()
        .filter(snapshot -> perDisk.stream().allMatch(disk -> disk.stream().anyMatch(s -> s.name().equals(snapshot.name()))))
        .sorted(Comparator.comparing(DiskSnapshot::createdAt))
        .map(DiskSnapshot::toSnapshot)
        .toList();
  }

  private Optional<Snapshot> find(String name) {
    return list().stream().filter(snapshot -> snapshot.name().equals(name)).findFirst();
  }

  /** The positions of the snapshot disks that hold {@code name}. */
  private List<Integer> having(String name) {
    return having(backend.perDisk(), name);
  }

  private static List<Integer> having(List<List<DiskSnapshot>> perDisk, String name) {
    return IntStream.range(0, perDisk.size()).filter(i -> perDisk.get(i).stream().anyMatch(s -> s.name().equals(name))).boxed().toList();
  }

  /**
   * Finishes the VMM's job {@code jobId} if it still has it; a failed take of snapshot {@code taking}
   * (null: no take) is undone.
   */
  private boolean finishJob(SnapshotJournal journal, String jobId, String taking) {
    try {
      return backend.finishJob(jobId);
    } catch (RuntimeException e) {
      if (taking != null) {
        undo(journal, taking, jobId);
      }
      throw e;
    }
  }

  private Snapshot finished(SnapshotJournal journal, String name, String jobId) {
    journal.finish(jobId);
    return find(name).orElseThrow(() -> new IllegalStateException("snapshot " + name + " was taken but the disks do not list it"));
  }

  /** A failed take leaves no part of its snapshot behind (QEMU may have taken it on some disks), nor its journal entry. */
  private void undo(SnapshotJournal journal, String name, String jobId) {
    try {
      List<Integer> having = having(name);
      if (!having.isEmpty()) {
        backend.delete(name, jobId, having);
      }
    } catch (RuntimeException e) {
      log.warn("snapshot {} failed and what it left could not be removed: {}", name, e.getMessage());
    }
    journal.forget(name);
  }

  private SnapshotJournal ready(String name, String jobId) {
    checkNames(name, jobId);
    if (unsupported != null) {
      throw HostRefusedException.snapshotUnsupported(unsupported);
    }
    if (!disksExist()) {
      throw HostRefusedException.snapshotUnsupported("the VM's disks are not made on this host: start it once");
    }
    return SnapshotJournal.of(layout.directory());
  }

  private boolean disksExist() {
    return disks.stream().allMatch(disk -> Files.exists(disk.file()));
  }

  private static void checkNames(String name, String jobId) {
    if (name == null || !VmSpec.IMAGE_NAME.matcher(name).matches()) {
      throw new InvalidSpecException("name", "must be a snapshot's name: 1-63 characters of letters, digits, '.', '_' or '-'");
    }
    if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
      throw new InvalidSpecException("job_id", "must be a letter and up to 127 letters, digits, '.', '_' or '-'");
    }
  }
}
