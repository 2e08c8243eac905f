package io.plasmavmc.contract.image;

import io.plasmavmc.contract.spec.DiskFormat;
import java.time.Instant;
import java.util.List;

/**
 * A base image in a host's image store: its format, its size as the guest sees it and on the
 * host's disk, its sha256 (computed once and kept beside it, anew when the file changes), when it
 * last changed, and the VMs whose disks it backs ({@code usedBy}: VM ids; it cannot be deleted
 * while any is there).
 */
public record ImageInfo(String name, DiskFormat format, long virtualSizeBytes, long sizeOnDiskBytes, String sha256, Instant modifiedAt,
    List<String> usedBy) {
  public ImageInfo {
    usedBy = usedBy == null ? List.of() : List.copyOf(usedBy);
  }
}
