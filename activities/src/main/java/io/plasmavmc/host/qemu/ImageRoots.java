package io.plasmavmc.host.qemu;

import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The directories a guest may take kernels, initrds and disks from. A path is accepted only if,
 * with every symlink followed, it is a regular file under one of them: otherwise a client could
 * attach any host file (say /etc/shadow) to a guest as a disk.
 */
public final class ImageRoots {
  private final List<Path> roots;

  public ImageRoots(List<Path> roots) {
    List<Path> real = new ArrayList<>();
    for (Path root : roots) {
      try {
        real.add(root.toRealPath());
      } catch (IOException e) {
        // A root that does not exist (yet) holds no images; it is not an error of the request.
      }
    }
    this.roots = List.copyOf(real);
  }

  private static InvalidSpecException outside(String field) {
    return new InvalidSpecException(field, "must be a file inside the image roots");
  }

  public List<Path> roots() {
    return roots;
  }

  /** The real path of {@code path} if it is a regular file inside a root; otherwise refuses naming {@code field}. */
  public Path resolve(String field, String path) {
    if (path == null || path.isBlank()) {
      throw new InvalidSpecException(field, "must not be empty");
    }
    if (VmSpec.hasControlCharacter(path)) {
      throw new InvalidSpecException(field, "must not contain control characters such as newlines");
    }
    Path candidate;
    try {
      candidate = Path.of(path);
    } catch (InvalidPathException e) {
      throw new InvalidSpecException(field, "is not a valid path");
    }
    if (!candidate.isAbsolute()) {
      throw new InvalidSpecException(field, "must be an absolute path");
    }
    // One answer for every way a path can fail, whatever exists on the host: otherwise the answers
    // would tell a client which files exist, are readable, or lie where.
    Path real;
    try {
      real = candidate.toRealPath();
    } catch (IOException e) {
      throw outside(field);
    }
    if (roots.stream().noneMatch(real::startsWith) || !Files.isRegularFile(real) || !Files.isReadable(real)) {
      throw outside(field);
    }
    return real;
  }
}
