package io.plasmavmc.host.storage;

import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.host.storage.ImageFiles.ImageFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a VM's disks are on this host, in the spec's order, and what the VM's own ones are made
 * of, worked out (and checked) before anything is written. {@code directory} is the VM's
 * directory (null: the VM has no storage of its own), {@code seed} its cloud-init seed (null: none).
 */
public record DiskLayout(Path directory, List<Disk> disks, Path seed) {
  public static final DiskLayout NONE = new DiskLayout(null, List.of(), null);

  public DiskLayout {
    disks = List.copyOf(disks);
  }

  /**
   * One disk: the file QEMU opens, its format, whether the guest may write it. A disk of the VM's
   * own ({@code owned}) is a qcow2 file in the VM's directory: an overlay of {@code image} (null:
   * a blank disk) of {@code sizeBytes}.
   */
  public record Disk(int index, Path file, DiskFormat format, boolean readOnly, boolean owned, ImageFile image, long sizeBytes) {}

  public boolean hasOwnStorage() {
    return directory != null;
  }

  /**
   * Whether everything of the VM's own storage is in place: its record, its own disks and its seed
   * (a target sharing the source's storage finds them made; it never makes them again).
   */
  public boolean madeAlready() {
    return !hasOwnStorage() || (DiskRecords.exists(directory) && owned().stream().allMatch(disk -> Files.isRegularFile(disk.file()))
        && (seed == null || Files.isRegularFile(seed)));
  }

  public List<Disk> owned() {
    return disks.stream().filter(Disk::owned).toList();
  }

  /** What the VM's directory records of its disks (see {@link DiskRecords}). */
  public DiskRecords.Record record(String vmId) {
    return new DiskRecords.Record(vmId, owned().stream()
        .map(disk -> new DiskRecords.RecordedDisk(disk.index(), disk.image() == null ? null : disk.image().name(), disk.sizeBytes()))
        .toList(), seed != null);
  }
}
