package io.plasmavmc.cli;

import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.VmSpec;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A VM's disks in their three forms: --image (a copy-on-write disk of its own over an image of
 * the host's store), --disk (a file the user manages), --disk-size (a blank disk of its own). They
 * are attached in that order, so the first --image is the disk a guest boots from.
 */
final class DiskOptions {
  private final OptionSpec images = Args.repeatable("--image", "NAME[:SIZE_GIB]",
      "a disk of the VM's own made from an image, grown to SIZE_GIB if given (repeatable; the first is the boot disk)");
  private final OptionSpec disks = Args.repeatable("--disk", "PATH[:raw|qcow2][:ro]", "a disk file (repeatable; inside the image roots)");
  private final OptionSpec blanks = Args.repeatable("--disk-size", "GIB", "a blank disk of the VM's own (repeatable)");

  List<OptionSpec> options() {
    return List.of(images, disks, blanks);
  }

  void addTo(VmSpec.Builder spec) {
    Args.values(images).forEach(image -> spec.addDisks(image(image)));
    Args.values(disks).forEach(disk -> spec.addDisks(disk(disk)));
    Args.values(blanks).forEach(size -> spec.addDisks(Disk.newBuilder().setSizeGib(gib("--disk-size GIB", size))));
  }

  private static Disk image(String option) {
    int colon = option.lastIndexOf(':');
    if (colon < 0) {
      return Disk.newBuilder().setImage(option).build();
    }
    return Disk.newBuilder().setImage(option.substring(0, colon)).setSizeGib(gib("--image NAME[:SIZE_GIB]", option.substring(colon + 1)))
        .build();
  }

  private static Disk disk(String option) {
    String[] parts = option.split(":");
    Disk.Builder disk = Disk.newBuilder().setPath(parts[0]).setFormat(DiskFormat.DISK_FORMAT_RAW);
    for (int i = 1; i < parts.length; i++) {
      switch (parts[i]) {
        case "raw" -> disk.setFormat(DiskFormat.DISK_FORMAT_RAW);
        case "qcow2" -> disk.setFormat(DiskFormat.DISK_FORMAT_QCOW2);
        case "ro" -> disk.setReadOnly(true);
        default -> throw new IllegalArgumentException("--disk PATH[:raw|qcow2][:ro], not " + option);
      }
    }
    return disk.build();
  }

  /** A size in GiB: a whole number above 0 (the gateway checks the upper bound and names it). */
  private static int gib(String usage, String text) {
    try {
      int value = Integer.parseInt(text);
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(usage + ": SIZE_GIB must be a whole number of GiB above 0, not " + text);
  }
}
