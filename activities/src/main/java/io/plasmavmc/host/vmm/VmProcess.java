package io.plasmavmc.host.vmm;

import io.plasmavmc.host.qemu.LinuxProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One VMM process of a VM: its pid and start time (clock ticks after boot), which together name
 * one process for as long as the host runs, and the runtime directory its command line names.
 */
public record VmProcess(long pid, long startTime, Path directory) {

  /**
   * The process the VM's pidfile names, if it runs: it exists, is not a zombie (a VMM whose worker
   * died is reaped by PID 1, on some hosts only seconds after it exits), and its command line names
   * the runtime directory (the pid may have been reused by another program).
   */
  public static Optional<VmProcess> find(RuntimeDirectory dir) {
    OptionalLong pid = dir.readPid();
    if (pid.isEmpty() || !LinuxProcesses.isAliveAndOwned(pid.getAsLong(), marker(dir.path()))) {
      return Optional.empty();
    }
    return Optional.of(new VmProcess(pid.getAsLong(), LinuxProcesses.startTime(pid.getAsLong()), dir.path()));
  }

  /** Whether this very process (pid and start time) still runs as the VM's. */
  public boolean isAlive() {
    return LinuxProcesses.isAliveAndOwned(pid, marker(directory)) && LinuxProcesses.startTime(pid) == startTime;
  }

  /** Waits up to {@code timeout} for the process to end; returns whether it did. */
  public boolean awaitGone(Duration timeout) {
    return LinuxProcesses.awaitGone(this::isAlive, timeout);
  }

  /** Sends SIGTERM (SIGKILL when {@code force}) if the process still is this one; returns whether it was sent. */
  public boolean signal(boolean force) {
    return isAlive() && LinuxProcesses.signal(pid, marker(directory), force);
  }

  /** What the VM's process names in its command line: the runtime directory (its pidfile and sockets are in it). */
  private static String marker(Path directory) {
    return directory + "/";
  }
}
