package io.plasmavmc.host.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removes a directory with everything in it. */
public final class FileTrees {
  private FileTrees() {}

  /** Removes {@code dir} and what it holds; a missing directory (or one removed meanwhile) is fine. */
  public static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (NoSuchFileException e) {
      // removed concurrently
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove directory " + dir.getFileName(), e);
    }
  }
}
