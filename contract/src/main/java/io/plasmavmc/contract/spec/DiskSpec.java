package io.plasmavmc.contract.spec;

/**
 * One disk of a VM, in one of three forms. {@code path}: the file itself (inside the host's image
 * roots), which the VM reads and writes, in {@code format}. {@code image}: a disk of the VM's own,
 * a qcow2 overlay whose backing file is that image of the host's image store (the image is never
 * written), grown to {@code sizeGib} if given. Neither: a blank qcow2 disk of {@code sizeGib}.
 * The VM's own disks live in its VM directory and go with the VM (unless kept at deletion).
 */
public record DiskSpec(String path, DiskFormat format, boolean readOnly, String image, int sizeGib) {
  public static final int MAX_SIZE_GIB = 4096;

  /** A disk that is a file the user manages. */
  public DiskSpec(String path, DiskFormat format, boolean readOnly) {
    this(path, format, readOnly, null, 0);
  }

  /** A copy-on-write disk of the VM's own over image {@code image} (0: the image's size). */
  public static DiskSpec fromImage(String image, int sizeGib) {
    return new DiskSpec(null, null, false, image, sizeGib);
  }

  /** A blank disk of the VM's own. */
  public static DiskSpec blank(int sizeGib) {
    return new DiskSpec(null, null, false, null, sizeGib);
  }

  /** Whether the disk belongs to the VM (an overlay or a blank disk in its VM directory), rather than being a file the user manages. */
  public boolean owned() {
    return path == null || path.isBlank();
  }
}
