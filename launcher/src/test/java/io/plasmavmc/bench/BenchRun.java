package io.plasmavmc.bench;

import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.ScratchDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Where a benchmark runs, and the clean-up that stops every QEMU it started however it ends.
 * Each run has a directory of its own under one base ({@code $TMPDIR/plasmavmc-bench-runs}),
 * holding the stack's runtime directory (a directory per VM, with QEMU's pidfile), Temporal's data,
 * and an owner file naming the benchmark's JVM. A run begins by sweeping the base: a directory
 * whose owner no longer runs was left by a run killed before it could clean up (SIGKILL, a closed
 * terminal; issue 20 left 296 QEMUs so), and its QEMUs (by their pidfiles), any other process
 * still naming it (its Temporal server) and the directory itself go. A JVM shutdown hook ends this
 * run's QEMUs on Ctrl-C or SIGTERM, where the benchmark's own finally block never runs.
 */
final class BenchRun implements AutoCloseable {
  private static final String OWNER = "owner";
  private static final Duration GONE_WITHIN = Duration.ofSeconds(10);

  final Path dir;
  /** The stack's runtime directory: one directory per VM. */
  final Path runtime;
  /** Temporal's data (the dev server's SQLite file). */
  final Path data;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<AutoCloseable> alsoClosed = new ArrayList<>();
  private final Thread hook;

  private BenchRun(Path dir) throws IOException {
    this.dir = dir;
    this.runtime = Files.createDirectories(dir.resolve("run"));
    this.data = Files.createDirectories(dir.resolve("temporal"));
    long pid = ProcessHandle.current().pid();
    Files.writeString(dir.resolve(OWNER), pid + " " + LinuxProcesses.startTime(pid));
    this.hook = new Thread(this::close, "bench-cleanup");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  static Path base() {
    return Path.of(System.getProperty("java.io.tmpdir"), "plasmavmc-bench-runs");
  }

  /** Sweeps what killed runs left, then begins a run of its own. */
  static BenchRun begin(String name) throws IOException {
    Path base = Files.createDirectories(base());
    // QEMU runs as its own user: it must pass through to the run's runtime directory.
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    int swept = sweep(base);
    if (swept > 0) {
      System.out.printf("ended %d QEMU processes (and removed their directories) left by benchmark runs killed before their clean-up%n",
          swept);
    }
    Path dir = Files.createTempDirectory(base, name + "-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    return new BenchRun(dir);
  }

  /** Has {@code resource} (the stack) closed with the run: before its QEMUs are ended, so its worker does not start them again. */
  <T extends AutoCloseable> T closing(T resource) {
    synchronized (alsoClosed) {
      alsoClosed.add(resource);
    }
    return resource;
  }

  /** Every directory under {@code base} whose owner does not run: its processes ended, it removed. Returns how many QEMUs were ended. */
  static int sweep(Path base) throws IOException {
    int ended = 0;
    try (Stream<Path> runs = Files.list(base)) {
      for (Path run : runs.filter(Files::isDirectory).toList()) {
        if (!ownerRuns(run)) {
          ended += endProcesses(run);
          ScratchDirectories.delete(run);
        }
      }
    }
    return ended;
  }

  /** How long a run may be without its owner file: the moments between its directory and its owner file. */
  private static final Duration BEGINNING = Duration.ofMinutes(1);

  /**
   * Whether the JVM named in {@code run}'s owner file still runs (the pid, and its start time: a
   * pid is reused); a run without one is taken for beginning for a minute, then for killed.
   */
  private static boolean ownerRuns(Path run) {
    if (!Files.exists(run.resolve(OWNER))) {
      try {
        return Files.getLastModifiedTime(run).toInstant().isAfter(Instant.now().minus(BEGINNING));
      } catch (IOException gone) {
        return true; // removed meanwhile: nothing to sweep
      }
    }
    try {
      String[] owner = Files.readString(run.resolve(OWNER)).trim().split(" ");
      long pid = Long.parseLong(owner[0]);
      return LinuxProcesses.state(pid).filter(state -> state != 'Z').isPresent() && LinuxProcesses.startTime(pid) == Long.parseLong(owner[1]);
    } catch (IOException | RuntimeException unreadable) {
      return false; // an owner file cut short: its run was killed as it began
    }
  }

  /**
   * Ends the QEMUs of {@code run}: those its VMs' pidfiles name (if their command lines still name
   * the run: a pid may have been reused), then any other process whose command line names it.
   */
  static int endProcesses(Path run) {
    String marker = run.toAbsolutePath() + "/";
    List<Long> pids = new ArrayList<>();
    try (Stream<Path> files = Files.walk(run, 4)) {
      files.filter(file -> file.getFileName().toString().equals("qemu.pid")).forEach(pidFile -> {
        try {
          long pid = Long.parseLong(Files.readString(pidFile).trim());
          if (LinuxProcesses.isAliveAndOwned(pid, marker)) {
            pids.add(pid);
          }
        } catch (IOException | NumberFormatException unreadable) {
          // a QEMU that never wrote its pidfile is found by its command line below
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // the directory went away meanwhile
    }
    int qemus = pids.size();
    for (long pid : QemuProcessTable.livePidsMentioning(run)) {
      if (!pids.contains(pid)) {
        pids.add(pid);
        qemus++;
      }
    }
    pids.addAll(othersMentioning(marker, pids));
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    for (long pid : pids) {
      LinuxProcesses.awaitGone(() -> LinuxProcesses.isAliveAndOwned(pid, marker), GONE_WITHIN);
    }
    return qemus;
  }

  /** Processes other than {@code known} (and this JVM) whose command line names {@code marker}: a killed run's Temporal server. */
  private static List<Long> othersMentioning(String marker, List<Long> known) {
    long self = ProcessHandle.current().pid();
    return ProcessHandle.allProcesses().map(ProcessHandle::pid)
        .filter(pid -> pid != self && !known.contains(pid) && LinuxProcesses.isAliveAndOwned(pid, marker)).toList();
  }

  /** The QEMUs of this run that are alive now. */
  List<Long> liveQemus() {
    return QemuProcessTable.livePidsMentioning(runtime);
  }

  /** Closes the stack, ends every QEMU of this run and removes its directory; once, from whichever ends first (main or the hook). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    synchronized (alsoClosed) {
      for (AutoCloseable resource : alsoClosed) {
        try {
          resource.close();
        } catch (Exception e) {
          System.err.println("benchmark clean-up: " + e);
        }
      }
    }
    int ended = endProcesses(dir);
    if (ended > 0) {
      System.out.printf("benchmark clean-up: ended %d QEMU processes of this run%n", ended);
    }
    if (Boolean.getBoolean("keepData")) {
      System.out.println("Temporal's data (to read the histories): " + data);
    } else {
      ScratchDirectories.delete(dir);
    }
    if (Thread.currentThread() != hook) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the JVM is exiting: the hook finds the run closed
      }
    }
  }
}
