package io.plasmavmc.host.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Small files written whole or not at all: a reader, or a worker that crashed mid-write, never sees half of one. */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes {@code content} to a temporary file beside {@code file} (a name of its own: writers may race) and renames it over {@code file}. */
  public static void write(Path file, String content) {
    write(file, content.getBytes(StandardCharsets.UTF_8));
  }

  /** The same with bytes. */
  public static void write(Path file, byte[] content) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
      Files.write(tmp, content);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException("cannot write " + file.getFileName(), e); // the cause names the path, for the log
    }
  }

  static void deleteQuietly(Path file) {
    try {
      if (file != null) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      // left behind: a hidden temporary file, replaced or removed with its directory
    }
  }
}
