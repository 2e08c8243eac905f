package io.plasmavmc.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A long-running child process of the cluster (a server, a worker, a gateway) whose output goes to a
 * log file of its own: waits on it are bounded and fail naming the piece and quoting its log's last
 * lines; stop is SIGTERM, then SIGKILL past a bound.
 */
final class LoggedProcess {
  private static final int TAIL_LINES = 25;

  private final String name;
  private final List<String> command;
  private final Map<String, String> environment;
  private final Path directory;
  private final Path log;
  private volatile Process process;
  /** Where the current start's lines begin in the log (bytes; read as ISO-8859-1, one char a byte). */
  private volatile long startOffset;

  /**
   * {@code environment}: the process's whole environment (nothing inherited), or null to inherit
   * this JVM's. The log is appended to, so a restarted process's lines follow its predecessor's.
   */
  LoggedProcess(String name, List<String> command, Map<String, String> environment, Path directory, Path log) {
    this.name = name;
    this.command = List.copyOf(command);
    this.environment = environment == null ? null : Map.copyOf(environment);
    this.directory = directory;
    this.log = log;
  }

  LoggedProcess start() {
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, "---- " + name + ": " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      startOffset = Files.size(log);
      ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      if (environment != null) {
        builder.environment().clear();
        builder.environment().putAll(environment);
      }
      process = builder.start();
      return this;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + " (" + command.get(0) + "): " + e.getMessage(), e);
    }
  }

  /** Waits until the log holds a line containing {@code text}, written since this start; fails if the process ends first. */
  void awaitLine(String text, Duration limit) {
    long from = startOffset;
    await(() -> logSince(from).contains(text), "its log to say \"" + text + "\"", limit);
  }

  /** Waits until {@code ready} holds, checking that the process still runs; fails naming {@code what} and quoting the log. */
  void await(BooleanSupplier ready, String what, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!ready.getAsBoolean()) {
      Process current = process;
      if (current != null && !current.isAlive()) {
        throw new IllegalStateException(name + " exited with code " + current.exitValue() + " while waiting for " + what
            + "; the end of " + log + ":\n" + tail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(name + " did not come up within " + limit.toSeconds() + " s (waiting for " + what
            + "); the end of " + log + ":\n" + tail());
      }
      pause();
    }
  }

  /** SIGKILL, as the OOM killer or {@code kill -9} would; returns once the process is gone. */
  void kill() {
    Process current = process;
    if (current != null && current.isAlive()) {
      current.destroyForcibly();
      current.onExit().orTimeout(10, TimeUnit.SECONDS).join();
    }
  }

  /** SIGTERM, then SIGKILL if it has not ended within {@code grace}. */
  void stop(Duration grace) {
    Process current = process;
    if (current == null || !current.isAlive()) {
      return;
    }
    current.destroy();
    try {
      if (!current.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        current.destroyForcibly();
        current.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      current.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  boolean alive() {
    Process current = process;
    return current != null && current.isAlive();
  }

  long pid() {
    Process current = process;
    return current == null ? -1 : current.pid();
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  /** The log's last lines, for messages. */
  String tail() {
    try {
      return Command.tail(Files.readString(log, StandardCharsets.ISO_8859_1), TAIL_LINES);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private String logSince(long offset) {
    try {
      String all = Files.readString(log, StandardCharsets.ISO_8859_1);
      return offset >= all.length() ? "" : all.substring((int) offset);
    } catch (IOException e) {
      return "";
    }
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
