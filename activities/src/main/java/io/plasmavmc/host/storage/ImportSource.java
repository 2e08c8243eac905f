package io.plasmavmc.host.storage;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;

/**
 * The file an image is imported from: with every symlink followed, a regular file inside the host's
 * import directory, and a disk image qemu-img reads on its own (no backing file, no external data
 * file: converting one would copy a host file of its choosing into the image). {@code format} is
 * what qemu-img probed; probing is safe here only because of those checks.
 */
public record ImportSource(String name, Path file, long size, long modifiedNanos, String format, long virtualSize) {
  private static final String OUTSIDE = "must name a file inside the host's import directory";

  /** Resolves and checks {@code source} (relative to {@code importDir}); refuses naming the field {@code source}, never saying what exists. */
  public static ImportSource resolve(Path importDir, String source, QemuImg qemuImg) {
    if (source == null || source.isBlank() || VmSpec.hasControlCharacter(source)) {
      throw new InvalidSpecException("source", OUTSIDE);
    }
    Path root;
    Path real;
    BasicFileAttributes attributes;
    try {
      root = importDir.toRealPath();
      real = root.resolve(source).toRealPath();
      attributes = Files.readAttributes(real, BasicFileAttributes.class);
      if (!real.startsWith(root) || real.equals(root) || !attributes.isRegularFile()) {
        throw new InvalidSpecException("source", OUTSIDE);
      }
    } catch (IOException | InvalidPathException e) {
      throw new InvalidSpecException("source", OUTSIDE);
    }
    JsonNode info;
    try {
      info = qemuImg.probe(real);
    } catch (DiskToolException e) {
      throw new InvalidSpecException("source", "is not a disk image qemu-img can read (error " + e.errorId() + ")");
    }
    if (info.hasNonNull("backing-filename") || info.path("format-specific").path("data").hasNonNull("data-file")
        || info.path("encrypted").asBoolean(false)) {
      throw new InvalidSpecException("source", "must be a disk image of its own: no backing file, no external data file, not encrypted");
    }
    return new ImportSource(root.relativize(real).toString(), real, attributes.size(),
        attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS), info.path("format").asText(), info.path("virtual-size").asLong());
  }

  /** The format the image gets: {@code convertTo}, else the source's own if it is one the store keeps. */
  public DiskFormat targetFormat(DiskFormat convertTo) {
    if (convertTo != null) {
      return convertTo;
    }
    return switch (format) {
      case "qcow2" -> DiskFormat.QCOW2;
      case "raw" -> DiskFormat.RAW;
      default -> throw new InvalidSpecException("convert_to", "is needed: the source is " + format + ", the store keeps qcow2 and raw");
    };
  }

  /** Whether {@code origin} says an image was imported from this very file, as it is now. */
  public boolean madeFrom(ImageFacts.Origin origin) {
    return origin != null && origin.source().equals(name) && origin.size() == size && origin.modifiedNanos() == modifiedNanos;
  }

  public ImageFacts.Origin origin() {
    return new ImageFacts.Origin(name, size, modifiedNanos);
  }
}
