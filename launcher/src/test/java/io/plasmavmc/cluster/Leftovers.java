package io.plasmavmc.cluster;

import io.plasmavmc.host.testing.ScratchDirectories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a test cluster killed before its cleanup left behind (a JVM SIGKILLed, a machine's CI run
 * stopped): found by the fixed names it runs under and removed before a new cluster starts. Every
 * process of the cluster runs either inside a host's namespace (workers, QEMUs) or with its working
 * directory under the scratch root (PostgreSQL, Temporal's server, the gateways).
 */
final class Leftovers {
  private static final Duration GONE_LIMIT = Duration.ofSeconds(15);

  private Leftovers() {}

  /** Removes them; returns what it found, for the log ("" if nothing). Call with the {@link ClusterLock} held. */
  static String remove(ClusterTools tools, Path scratch, Path postgresDir) {
    StringBuilder found = new StringBuilder();
    for (String name : TestNetwork.removeLeftovers(tools.ip())) {
      found.append(' ').append(name);
    }
    if (PostgresCluster.stopLeftover(tools, postgresDir)) {
      found.append(" PostgreSQL in ").append(postgresDir);
    }
    List<ProcessHandle> processes = processesWorkingUnder(scratch);
    for (ProcessHandle process : processes) {
      found.append(" pid ").append(process.pid()).append(' ').append(process.info().command().orElse("?"));
      process.destroyForcibly();
    }
    long deadline = System.nanoTime() + GONE_LIMIT.toNanos();
    while (!processesWorkingUnder(scratch).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("processes of an earlier test cluster survived SIGKILL: " + processesWorkingUnder(scratch));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    if (Files.exists(scratch)) {
      found.append(found.length() == 0 ? "" : ";").append(" the scratch directory ").append(scratch);
      ScratchDirectories.delete(scratch);
    }
    return found.toString().strip();
  }

  /** Live processes whose working directory is {@code root} or below it (root reads every /proc/PID/cwd). */
  private static List<ProcessHandle> processesWorkingUnder(Path root) {
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      return entries.map(entry -> entry.getFileName().toString())
          .filter(name -> name.chars().allMatch(Character::isDigit))
          .filter(pid -> workingUnder(pid, root))
          .flatMap(pid -> ProcessHandle.of(Long.parseLong(pid)).stream())
          .filter(process -> process.pid() != ProcessHandle.current().pid())
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
  }

  private static boolean workingUnder(String pid, Path root) {
    try {
      // A deleted directory reads as "<path> (deleted)": still under the root.
      return Path.of(Files.readSymbolicLink(Path.of("/proc", pid, "cwd")).toString().replace(" (deleted)", "")).startsWith(root);
    } catch (IOException | RuntimeException e) {
      return false; // gone, or a kernel thread
    }
  }
}
