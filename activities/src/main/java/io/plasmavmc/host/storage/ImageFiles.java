package io.plasmavmc.host.storage;

import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The image files of a host's image store: {@code <store>/<name>.qcow2} or {@code <name>.raw},
 * the format told by the name (and checked against qemu-img when imported), never probed. Only
 * regular files count; the store's own files (sidecars, imports under way) begin with a dot, which
 * no image name does.
 */
public final class ImageFiles {
  private final Path store;

  public ImageFiles(Path store) {
    this.store = store.toAbsolutePath().normalize();
  }

  /** One image file of the store. */
  public record ImageFile(String name, Path path, DiskFormat format) {}

  public Path store() {
    return store;
  }

  /** Refuses (naming {@code field}) what is not an image's name: a name is never a path. */
  public static void checkName(String field, String name) {
    if (name == null || !VmSpec.IMAGE_NAME.matcher(name).matches()) {
      throw new InvalidSpecException(field, "must be an image's name: 1-63 characters of letters, digits, '.', '_' or '-'");
    }
  }

  /** Where image {@code name} in {@code format} is (or would be). */
  public Path file(String name, DiskFormat format) {
    return store.resolve(name + "." + format.qemuDriver());
  }

  /** Image {@code name}, if the store has it (qcow2 first, should both exist). */
  public Optional<ImageFile> find(String name) {
    for (DiskFormat format : List.of(DiskFormat.QCOW2, DiskFormat.RAW)) {
      Path file = file(name, format);
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        return Optional.of(new ImageFile(name, file, format));
      }
    }
    return Optional.empty();
  }

  /** Every image of the store, by name. */
  public List<ImageFile> all() {
    List<ImageFile> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(store)) {
      for (Path file : files.sorted().toList()) {
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        if (dot <= 0) {
          continue;
        }
        String name = fileName.substring(0, dot);
        String extension = fileName.substring(dot + 1);
        if (VmSpec.IMAGE_NAME.matcher(name).matches() && (extension.equals("qcow2") || extension.equals("raw"))) {
          find(name).filter(image -> image.path().equals(file)).ifPresent(found::add);
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the image store " + store, e);
    }
    found.sort(Comparator.comparing(ImageFile::name));
    return found;
  }

  /** The size the guest sees of {@code image}: a qcow2's from its header, a raw file's its length. */
  public static long virtualSize(ImageFile image) throws IOException {
    if (image.format() == DiskFormat.RAW) {
      return Files.size(image.path());
    }
    return Qcow2Header.read(image.path()).map(Qcow2Header::virtualSize)
        .orElseThrow(() -> new IOException("not a qcow2 file: " + image.path()));
  }
}
