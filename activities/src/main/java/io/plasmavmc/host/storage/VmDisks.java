package io.plasmavmc.host.storage;

import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.ImageRoots;
import io.plasmavmc.host.storage.ImageFiles.ImageFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the disks of a VM are on this host. The VM's own disks and its cloud-init seed live in its
 * VM directory, {@code <vmsDir>/<vmId>/}: {@code disk<i>.qcow2} for disk i of the spec (an
 * overlay of an image of the store, or a blank disk), {@code seed.img}. Disks the user manages
 * ({@code path}) are files inside the image roots, never an image of the store written in place.
 */
public final class VmDisks {
  static final String SEED = "seed.img";
  private static final long GIB = 1L << 30;

  private final Path vmsDir;
  private final ImageFiles images;
  private final ImageRoots roots;

  public VmDisks(Path vmsDir, ImageFiles images, ImageRoots roots) {
    this.vmsDir = vmsDir.toAbsolutePath().normalize();
    this.images = images;
    this.roots = roots;
  }

  public Path vmsDir() {
    return vmsDir;
  }

  /** The VM's directory of its own disks and seed ({@code vmId} is checked as a runtime directory's name is). */
  public Path directory(String vmId) {
    return vmsDir.resolve(vmId);
  }

  /**
   * Where the disks of VM {@code vmId} are, each image looked up and each size checked: a spec
   * refused here (InvalidSpecException naming the field) leaves nothing on the host.
   */
  public DiskLayout plan(String vmId, VmSpec spec) {
    return layout(vmId, spec, true);
  }

  /** Where the disks of a VM made already are: its own disks' images are not looked at again. */
  public DiskLayout existing(String vmId, VmSpec spec) {
    return layout(vmId, spec, false);
  }

  private DiskLayout layout(String vmId, VmSpec spec, boolean check) {
    spec.validate();
    if (!spec.hasOwnStorage()) {
      return new DiskLayout(null, pathDisks(spec), null);
    }
    Path dir = directory(vmId);
    List<DiskLayout.Disk> disks = new ArrayList<>();
    for (int i = 0; i < spec.disks().size(); i++) {
      DiskSpec disk = spec.disks().get(i);
      if (!disk.owned()) {
        disks.add(pathDisk(i, disk));
        continue;
      }
      Path file = dir.resolve("disk" + i + ".qcow2");
      if (disk.image() == null || disk.image().isBlank()) {
        disks.add(new DiskLayout.Disk(i, file, DiskFormat.QCOW2, false, true, null, disk.sizeGib() * GIB));
      } else {
        disks.add(overlay(i, file, disk, check));
      }
    }
    return new DiskLayout(dir, disks, spec.cloudInit() == null ? null : dir.resolve(SEED));
  }

  private List<DiskLayout.Disk> pathDisks(VmSpec spec) {
    List<DiskLayout.Disk> disks = new ArrayList<>();
    for (int i = 0; i < spec.disks().size(); i++) {
      disks.add(pathDisk(i, spec.disks().get(i)));
    }
    return disks;
  }

  private DiskLayout.Disk pathDisk(int index, DiskSpec disk) {
    String field = "spec.disks[" + index + "]";
    Path file = roots.resolve(field + ".path", disk.path());
    if (!disk.readOnly() && insideStore(file)) {
      throw new InvalidSpecException(field + ".read_only",
          "must be true for an image of the host's image store: a VM writes a disk of its own made from it (image), never the image");
    }
    return new DiskLayout.Disk(index, file, disk.format(), disk.readOnly(), false, null, 0);
  }

  private DiskLayout.Disk overlay(int index, Path file, DiskSpec disk, boolean check) {
    String field = "spec.disks[" + index + "]";
    Optional<ImageFile> image = images.find(disk.image());
    if (image.isEmpty()) {
      if (check) {
        throw new InvalidSpecException(field + ".image", "names no image of this host's image store");
      }
      return new DiskLayout.Disk(index, file, DiskFormat.QCOW2, false, true, null, disk.sizeGib() * GIB);
    }
    long imageSize = check ? virtualSize(field, image.get()) : 0;
    long size = disk.sizeGib() == 0 ? imageSize : disk.sizeGib() * GIB;
    if (size < imageSize) {
      throw new InvalidSpecException(field + ".size_gib", "must be at least the image's size, " + (imageSize + GIB - 1) / GIB + " GiB");
    }
    if (size > Qcow2Overlay.MAX_SIZE) {
      throw new InvalidSpecException(field + ".image", "is larger than a disk of a VM's own may be (" + DiskSpec.MAX_SIZE_GIB + " GiB)");
    }
    return new DiskLayout.Disk(index, file, DiskFormat.QCOW2, false, true, image.get(), size);
  }

  private static long virtualSize(String field, ImageFile image) {
    try {
      return ImageFiles.virtualSize(image);
    } catch (IOException e) {
      throw new InvalidSpecException(field + ".image", "is not a readable " + image.format().qemuDriver() + " image on this host");
    }
  }

  private boolean insideStore(Path real) {
    try {
      return real.startsWith(images.store().toRealPath());
    } catch (IOException noStore) {
      return false;
    }
  }

  /** Removes the VM's directory with its disks and seed; returns whether there was one (a missing directory is success). */
  public boolean remove(String vmId) {
    boolean existed = Files.exists(directory(vmId));
    FileTrees.delete(directory(vmId));
    return existed;
  }
}
