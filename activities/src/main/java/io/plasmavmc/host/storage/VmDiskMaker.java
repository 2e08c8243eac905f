package io.plasmavmc.host.storage;

import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.QemuIdentity;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes what a VM's own storage lacks, from its {@link DiskLayout}: its directory (mode 0700), its
 * record, each disk (a qcow2 overlay of its image, grown to its size, or a blank qcow2) and its
 * cloud-init seed, all QEMU's user's, so the unprivileged QEMU can write them. Each file is made
 * under a temporary name and renamed once complete: a worker that crashes midway leaves nothing
 * half-made, and the next spawn makes what is missing and keeps what exists
 * (a VM's disks hold its data from its first boot on).
 */
public final class VmDiskMaker {
  private static final Logger log = LoggerFactory.getLogger(VmDiskMaker.class);

  private final VmDisks disks;
  private final ImageFiles images;
  private final QemuIdentity identity;
  private volatile boolean vmsDirReady;

  /** @param identity QEMU's user, who owns the VMs' storage (null: QEMU runs as this process) */
  public VmDiskMaker(VmDisks disks, ImageFiles images, QemuIdentity identity) {
    this.disks = disks;
    this.images = images;
    this.identity = identity;
  }

  /** Makes what is missing of the VM's storage; returns whether its directory was made now (a refused spawn then removes it). */
  public boolean make(String vmId, DiskLayout layout, VmSpec spec) throws IOException {
    if (!layout.hasOwnStorage()) {
      return false;
    }
    prepareVmsDir();
    Path dir = layout.directory();
    boolean created = createPrivate(dir);
    try {
      makeMissing(vmId, layout, spec);
    } catch (IOException | RuntimeException e) {
      if (created) {
        FileTrees.delete(dir); // made now, and not whole: nothing is left
      }
      throw e;
    }
    return created;
  }

  private void makeMissing(String vmId, DiskLayout layout, VmSpec spec) throws IOException {
    Path dir = layout.directory();
    if (!DiskRecords.exists(dir)) {
      record(vmId, layout);
    }
    for (DiskLayout.Disk disk : layout.owned()) {
      if (!whole(disk.file())) {
        log.info("VM {}: making disk {} ({})", vmId, disk.index(),
            disk.image() == null ? "blank" : "an overlay of image " + disk.image().name());
        makeFile(disk.file(), tmp -> {
          if (disk.image() == null) {
            Qcow2Overlay.blank(tmp, disk.sizeBytes(), false);
          } else {
            Qcow2Overlay.overlay(tmp, disk.sizeBytes(), disk.image().path(), disk.image().format(), false);
          }
        });
      }
    }
    if (layout.seed() != null && !Files.exists(layout.seed())) {
      String instanceId = spec.uuid() == null || spec.uuid().isBlank() ? vmId : spec.uuid();
      String metaData = CloudInitSeed.metaData(spec.cloudInit(), instanceId, spec.name());
      Path scratch = dir.resolve(".seed-files");
      FileTrees.delete(scratch);
      Files.createDirectory(scratch);
      try {
        makeFile(layout.seed(), tmp -> CloudInitSeed.write(tmp, scratch, spec.cloudInit(), metaData));
      } finally {
        FileTrees.delete(scratch);
      }
    }
  }

  /**
   * Whether the VM's disk is there, whole. A new disk is not forced to the host's disk (an fsync
   * cost 7 ms of the 10 a spawn may spend on its storage): after a host crash its file may be there
   * but empty. Then no guest wrote to it either (QEMU's first flush of a guest's write would have
   * written the header too), so it is made again.
   */
  private static boolean whole(Path disk) throws IOException {
    if (!Files.exists(disk)) {
      return false;
    }
    if (Qcow2Header.read(disk).isPresent()) {
      return true;
    }
    log.warn("VM disk {} is not a qcow2 file (a host crash came before it reached the disk): made again", disk);
    return false;
  }

  /**
   * Records the images the VM's disks are made of, under the store's lock, and only if each image
   * is still there: from then on the image is in use, and cannot be deleted.
   */
  private void record(String vmId, DiskLayout layout) {
    DiskRecords.Record record = layout.record(vmId);
    if (record.images().isEmpty()) {
      DiskRecords.write(layout.directory(), record);
      return;
    }
    StoreLock.holding(images.store(), () -> {
      for (DiskLayout.Disk disk : layout.owned()) {
        if (disk.image() != null && images.find(disk.image().name()).isEmpty()) {
          throw new InvalidSpecException("spec.disks[" + disk.index() + "].image", "names no image of this host's image store");
        }
      }
      DiskRecords.write(layout.directory(), record);
      return null;
    });
  }

  /** A file made by {@code maker} under a temporary name, made QEMU's user's, renamed into place. */
  private void makeFile(Path file, FileMaker maker) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp); // a crashed attempt's
    try {
      maker.make(tmp);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      own(tmp);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @FunctionalInterface
  private interface FileMaker {
    void make(Path tmp) throws IOException;
  }

  private boolean createPrivate(Path dir) throws IOException {
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      own(dir);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  /**
   * The VMs' directory, made on first use: QEMU's user passes through it to its VMs' directories
   * but cannot list it, and must be let through every directory above it.
   */
  private void prepareVmsDir() throws IOException {
    if (vmsDirReady) {
      return;
    }
    Path vmsDir = disks.vmsDir();
    Files.createDirectories(vmsDir);
    if (identity != null) {
      Files.setPosixFilePermissions(vmsDir, PosixFilePermissions.fromString("rwx--x--x"));
      if (!identity.canEnter(vmsDir)) {
        throw new IOException("QEMU's user " + identity.name() + " cannot enter the VMs' directory " + vmsDir
            + ": give it search permission (x) on it and on every directory above it, or choose another VMs' directory");
      }
    }
    vmsDirReady = true;
  }

  private void own(Path path) throws IOException {
    if (identity != null) {
      identity.own(path);
    }
  }
}
