package io.plasmavmc.host.qemu;

import io.plasmavmc.host.SpawnFailedException;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts QEMU from its argument list (exec, never a shell) in a session of its own, so it outlives
 * the worker and no signal meant for the worker's terminal reaches it, and as its unprivileged
 * user when there is one ({@link QemuIdentity}) and niced ({@link QemuPriority}), then waits until
 * it is ready: its pidfile and QMP socket exist. A QEMU that exits while starting fails the spawn with its exit status (its stderr
 * is in the runtime directory's log).
 */
public final class QemuLauncher {
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private final Duration timeout;
  private final QemuPriority priority;

  public QemuLauncher(Duration timeout) {
    this(timeout, new QemuPriority(0));
  }

  /** QEMU niced by {@code priority}, so the host's worker keeps its share of the CPU. */
  public QemuLauncher(Duration timeout, QemuPriority priority) {
    this.timeout = timeout;
    this.priority = priority;
  }

  /** @param whileWaiting called about once a second while QEMU starts (a heartbeat) */
  public void launch(List<String> args, RuntimeDirectory dir, QemuIdentity identity, Runnable whileWaiting) {
    List<String> command = new ArrayList<>();
    command.add(SETSID.toString()); // the worker's child is no process-group leader: setsid execs in place, no fork
    command.addAll(priority.prefix()); // nice execs in place too, before QEMU's user is taken (raising nice needs no privilege)
    if (identity != null) {
      command.addAll(identity.prefix());
    }
    command.addAll(args);
    Process process;
    try {
      process = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.stderrLog().toFile()))
          .redirectError(ProcessBuilder.Redirect.appendTo(dir.stderrLog().toFile()))
          .start();
    } catch (IOException e) {
      throw new SpawnFailedException("cannot execute QEMU", command + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextBeat = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    try {
      while (!ready(dir)) {
        if (!process.isAlive() && process.exitValue() != 0) {
          throw new SpawnFailedException("QEMU refused to start the VM", "QEMU exited with status " + process.exitValue() + " while starting");
        }
        if (System.nanoTime() >= deadline) {
          process.destroyForcibly();
          throw new SpawnFailedException("QEMU did not finish starting within " + timeout.toSeconds() + " s", "runtime directory " + dir);
        }
        process.waitFor(2, TimeUnit.MILLISECONDS);
        if (System.nanoTime() >= nextBeat) {
          whileWaiting.run();
          nextBeat = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        }
      }
      dir.readPid().ifPresent(priority::applyToSession);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new SpawnFailedException("interrupted while QEMU was starting", "runtime directory " + dir, e);
    }
  }

  /** QEMU writes its pidfile and opens its QMP socket before it waits, paused, for a monitor. */
  private static boolean ready(RuntimeDirectory dir) {
    return Files.exists(QemuCommandLine.qmpSocket(dir)) && dir.readPid().isPresent();
  }
}
