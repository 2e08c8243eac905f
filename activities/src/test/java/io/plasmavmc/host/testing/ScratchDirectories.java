package io.plasmavmc.host.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removes the directories a test or benchmark made for itself, with everything in them. */
public final class ScratchDirectories {
  private ScratchDirectories() {}

  public static void delete(Path... directories) {
    for (Path directory : directories) {
      if (!Files.exists(directory)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(directory)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        // something else removed part of it meanwhile (QEMU its pidfile): what is left, once more
        try (Stream<Path> files = Files.walk(directory)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException again) {
          throw new UncheckedIOException(new IOException("cannot remove " + directory, again));
        }
      }
    }
  }
}
