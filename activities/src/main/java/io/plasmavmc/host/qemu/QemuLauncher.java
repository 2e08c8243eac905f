package io.plasmavmc.host.qemu;

import io.plasmavmc.host.SpawnFailedException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs QEMU's argument list (exec, never a shell) and waits for the daemonizing parent: with
 * {@code -daemonize} it exits only once the child has set up every device and the QMP socket,
 * 0 on success, non-zero with the reason on stderr.
 */
public final class QemuLauncher {
  private final Duration timeout;

  public QemuLauncher(Duration timeout) {
    this.timeout = timeout;
  }

  public void launch(List<String> args, Path stderrLog) {
    launch(args, stderrLog, () -> {});
  }

  /** @param whileWaiting called about once a second while QEMU starts (a heartbeat) */
  public void launch(List<String> args, Path stderrLog, Runnable whileWaiting) {
    Process process;
    try {
      process = new ProcessBuilder(args)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(stderrLog.toFile()))
          .redirectError(ProcessBuilder.Redirect.appendTo(stderrLog.toFile()))
          .start();
    } catch (IOException e) {
      throw new SpawnFailedException("cannot execute " + args.get(0) + ": " + e.getMessage(), e);
    }
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!process.waitFor(Math.min(1000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
        if (System.nanoTime() >= deadline) {
          process.destroyForcibly();
          throw new SpawnFailedException("QEMU did not finish starting within " + timeout.toSeconds() + " s");
        }
        whileWaiting.run();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new SpawnFailedException("interrupted while QEMU was starting", e);
    }
    if (process.exitValue() != 0) {
      throw new SpawnFailedException("QEMU exited with status " + process.exitValue() + " while starting");
    }
  }
}
