package io.plasmavmc.host.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Reads and signals processes through /proc, with the two guards a VM manager needs: a zombie is
 * not alive (a QEMU whose worker died lingers as a zombie after it exits, until PID 1 reaps it, and
 * {@code kill(pid, 0)} still succeeds on it), and a process is only "ours" if its command line
 * names the VM's runtime directory (the pid may have been reused by another program).
 */
public final class LinuxProcesses {
  private LinuxProcesses() {}

  /** The state letter of /proc/&lt;pid&gt;/stat (R, S, D, Z, X, ...), empty if there is no such process. */
  public static Optional<Character> state(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // The command name is in parentheses and may itself contain ") "; the state follows the last ')'.
      int end = stat.lastIndexOf(')');
      if (end < 0 || end + 2 >= stat.length()) {
        return Optional.empty();
      }
      return Optional.of(stat.charAt(end + 2));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The process's start time in clock ticks after boot (field 22 of /proc/&lt;pid&gt;/stat), 0 if there
   * is no such process. With the pid it names one process for as long as the host runs.
   */
  public static long startTime(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[19]); // fields[0] is field 3 (state)
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** True if the process exists, is not a zombie, and its command line mentions {@code marker}. */
  public static boolean isAliveAndOwned(long pid, String marker) {
    if (pid <= 1) {
      return false;
    }
    Optional<Character> state = state(pid);
    if (state.isEmpty() || state.get() == 'Z' || state.get() == 'X') {
      return false;
    }
    return commandLine(pid).contains(marker);
  }

  /** /proc/&lt;pid&gt;/cmdline with NULs turned into spaces; empty if unreadable. */
  public static String commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /** Sends SIGTERM (or SIGKILL when {@code force}) to the process, if it still is ours. */
  public static boolean signal(long pid, String marker, boolean force) {
    if (!isAliveAndOwned(pid, marker)) {
      return false;
    }
    return ProcessHandle.of(pid).map(handle -> force ? handle.destroyForcibly() : handle.destroy()).orElse(false);
  }

  /**
   * Waits until the process is gone (or a zombie, or no longer ours); polls /proc starting at
   * sub-millisecond intervals because QEMU usually exits within milliseconds of being asked.
   */
  public static boolean awaitGone(long pid, String marker, Duration timeout) {
    return awaitGone(() -> isAliveAndOwned(pid, marker), timeout);
  }

  /** Waits until {@code alive} says false, polling as {@link #awaitGone(long, String, Duration)} does; returns whether it did. */
  public static boolean awaitGone(BooleanSupplier alive, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long sleepMicros = 200;
    while (alive.getAsBoolean()) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      try {
        Thread.sleep(sleepMicros / 1000, (int) (sleepMicros % 1000) * 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return !alive.getAsBoolean();
      }
      sleepMicros = Math.min(sleepMicros * 2, 20_000);
    }
    return true;
  }
}
