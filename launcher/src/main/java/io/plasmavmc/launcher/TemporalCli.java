package io.plasmavmc.launcher;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds Temporal's CLI, which holds the dev server: {@code $PLASMAVMC_TEMPORAL} if set, else
 * {@code temporal} on PATH, else the one {@code tools/install-temporal.sh} built into the cache.
 */
public final class TemporalCli {
  private TemporalCli() {}

  public static Optional<Path> find() {
    String configured = System.getenv("PLASMAVMC_TEMPORAL");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, "temporal");
        if (Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.of(cached()).filter(Files::isExecutable);
  }

  /** Where tools/install-temporal.sh links the CLI it built. */
  static Path cached() {
    String cache = System.getenv("PLASMAVMC_CACHE");
    return (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "plasmavmc"))
        .resolve("bin").resolve("temporal");
  }
}
