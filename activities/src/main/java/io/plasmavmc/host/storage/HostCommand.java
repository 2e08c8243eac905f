package io.plasmavmc.host.storage;

import io.plasmavmc.support.DaemonThreads;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a program of the host (qemu-img, mkfs.fat, mcopy) from an argument list, never through a
 * shell, with no input and within a bounded time. What it prints on failure names host paths, so
 * it goes to the worker's log under an error id (see {@link DiskToolException}), not to clients.
 */
final class HostCommand {
  private static final Logger log = LoggerFactory.getLogger(HostCommand.class);
  private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("host-command-watchdog"));
  /** qemu-img info's JSON of an image with its 32 snapshots is a few KiB; anything near this is not what we asked for. */
  private static final int MAX_OUTPUT = 4 << 20;
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  private HostCommand() {}

  /** Runs {@code command}; returns what it printed on standard output. {@code what} says in the failure what failed. */
  static String run(String what, List<String> command, Map<String, String> environment, Duration timeout) {
    return run(what, command, environment, timeout, piece -> {});
  }

  /**
   * As {@link #run(String, List, Map, Duration)}, handing each piece of standard output (ended by
   * a carriage return or a newline, as progress is printed) to {@code progress} as it comes. An
   * exception thrown by {@code progress} (a cancelled activity's heartbeat) ends the program.
   */
  static String run(String what, List<String> command, Map<String, String> environment, Duration timeout, Consumer<String> progress) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.environment().putAll(environment);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw failed(what, command, "cannot execute: " + e.getMessage());
    }
    ScheduledFuture<?> watchdog = WATCHDOG.schedule(process::destroyForcibly, timeout.toMillis(), TimeUnit.MILLISECONDS);
    try {
      String out = read(process.getInputStream(), progress);
      // Its standard error is read once standard output ends: these programs print little there.
      String err = new String(process.getErrorStream().readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8).trim();
      int exit = process.waitFor();
      if (exit != 0) {
        throw failed(what, command, (watchdog.isDone() ? "ended after " + timeout.toSeconds() + " s; " : "exit " + exit + "; ") + err);
      }
      return out;
    } catch (IOException e) {
      throw failed(what, command, "cannot read its output: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failed(what, command, "interrupted");
    } finally {
      watchdog.cancel(false);
      if (process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  private static String read(InputStream stream, Consumer<String> progress) throws IOException {
    StringBuilder all = new StringBuilder();
    StringBuilder piece = new StringBuilder();
    try (Reader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (int c = in.read(); c >= 0; c = in.read()) {
        if (all.length() < MAX_OUTPUT) {
          all.append((char) c);
        }
        if (c == '\r' || c == '\n') {
          progress.accept(piece.toString());
          piece.setLength(0);
        } else if (piece.length() < 1024) {
          piece.append((char) c);
        }
      }
    }
    return all.toString();
  }

  /**
   * {@code command} made to end when this process does: started through setpriv with SIGKILL as its
   * parent-death signal, where the host has setpriv. For work a retry redoes from the start (a copy
   * into a temporary file), which would otherwise run on after a SIGKILLed worker, beside its
   * retry's; never for an update in place (a snapshot of a VM's disk), better finished than cut
   * halfway. The signal follows the thread that started the program, and {@link #run} waits for
   * the program in that thread.
   */
  static List<String> endingWithThisProcess(List<String> command) {
    if (!Files.isExecutable(SETPRIV)) {
      return command;
    }
    List<String> ending = new ArrayList<>(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
    ending.addAll(command);
    return ending;
  }

  private static DiskToolException failed(String what, List<String> command, String detail) {
    DiskToolException failure = new DiskToolException(what, String.join(" ", command) + ": " + detail);
    log.warn("{} (error {}): {}", what, failure.errorId(), failure.detail());
    return failure;
  }
}
