package io.plasmavmc.launcher;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Finds Temporal's CLI, which holds the dev server: {@code $PLASMAVMC_TEMPORAL} if set, else
 * {@code temporal} on PATH, else the one {@code tools/install-temporal.sh} built into the cache
 * (from tools/temporal-cli: CLI v1.7.1, Temporal server 1.31.0 and UI 2.49.1, as the production
 * compose runs them; {@link #version} says which one a binary is).
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

  /**
   * What {@code binary --version} says, e.g. "temporal version 1.7.1 (Server 1.31.0, UI 2.49.1)",
   * or why it could not be asked: logs and summaries name the server and UI that run.
   */
  public static String version(Path binary) {
    try {
      Process process = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      process.getOutputStream().close();
      String first;
      try (var reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        first = reader.readLine();
      }
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return "version unknown: `" + binary + " --version` did not answer within 10 s";
      }
      return first == null ? "version unknown: `" + binary + " --version` printed nothing" : first.trim();
    } catch (IOException e) {
      return "version unknown: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "version unknown: interrupted";
    }
  }

  /** Where tools/install-temporal.sh links the CLI it built. */
  static Path cached() {
    String cache = System.getenv("PLASMAVMC_CACHE");
    return (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "plasmavmc"))
        .resolve("bin").resolve("temporal");
  }
}
