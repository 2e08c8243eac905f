package io.plasmavmc.gateway;

import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.InvalidSpecException;

/**
 * A VM's disk on the wire (plasmavmc.v1.Disk) to and from the contract's DiskSpec, in its three
 * forms: a file the user manages (path), a copy-on-write disk of the VM's own over an image, a
 * blank disk of the VM's own. Which combinations are allowed is VmSpec#validate's to say; this
 * only reads the wire's values, refusing none that the spec check would name better.
 */
final class DiskMapping {
  private DiskMapping() {}

  /** {@code field}: the disk's place in the request, spec.disks[i]. */
  static DiskSpec fromProto(String field, Disk disk) {
    String image = disk.getImage().isEmpty() ? null : disk.getImage();
    int sizeGib = SpecMapping.unsigned(disk.getSizeGib());
    if (disk.getPath().isEmpty()) {
      // The host makes a disk of the VM's own as qcow2, whatever is asked: a raw one could not be an overlay or snapshotted.
      if (disk.getFormat() != io.plasmavmc.api.v1.DiskFormat.DISK_FORMAT_UNSPECIFIED
          && disk.getFormat() != io.plasmavmc.api.v1.DiskFormat.DISK_FORMAT_QCOW2) {
        throw new InvalidSpecException(field + ".format", "is for a path: a disk of the VM's own (image or size_gib) is always qcow2");
      }
      return new DiskSpec(null, null, disk.getReadOnly(), image, sizeGib);
    }
    DiskFormat format = switch (disk.getFormat()) {
      case DISK_FORMAT_RAW -> DiskFormat.RAW;
      case DISK_FORMAT_QCOW2 -> DiskFormat.QCOW2;
      default -> throw new InvalidSpecException(field + ".format", "must be DISK_FORMAT_RAW or DISK_FORMAT_QCOW2 (formats are never probed)");
    };
    return new DiskSpec(disk.getPath(), format, disk.getReadOnly(), image, sizeGib);
  }

  static Disk toProto(DiskSpec disk) {
    Disk.Builder wire = Disk.newBuilder().setReadOnly(disk.readOnly()).setSizeGib(disk.sizeGib());
    if (disk.image() != null) {
      wire.setImage(disk.image());
    }
    if (disk.path() != null) {
      wire.setPath(disk.path());
    }
    if (disk.format() != null) {
      wire.setFormat(disk.format() == DiskFormat.QCOW2 ? io.plasmavmc.api.v1.DiskFormat.DISK_FORMAT_QCOW2
          : io.plasmavmc.api.v1.DiskFormat.DISK_FORMAT_RAW);
    }
    return wire.build();
  }
}
