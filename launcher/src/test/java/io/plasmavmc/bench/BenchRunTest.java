package io.plasmavmc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.host.qemu.LinuxProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a benchmark killed before its clean-up leaves is ended by the next one's sweep, and nothing
 * of a run that still runs (or is just beginning) is touched. A shell stands in for QEMU: its
 * pidfile and command line name the run's directory, as QEMU's do.
 */
class BenchRunTest {
  /** A process whose command line names {@code dir}, as a QEMU of the run names its pidfile there (two commands: the shell stays, no exec). */
  private static Process standIn(Path dir) throws Exception {
    Path vm = Files.createDirectories(dir.resolve("run").resolve("vm-1"));
    Process process = new ProcessBuilder("/bin/sh", "-c", "sleep 300; exit 0", vm.resolve("qemu.pid").toString()).start();
    Files.writeString(vm.resolve("qemu.pid"), Long.toString(process.pid()));
    return process;
  }

  @Test
  void aKilledRunsProcessesAndDirectoryGoAndALiveRunStays(@TempDir Path base) throws Exception {
    Path killed = Files.createDirectory(base.resolve("lifecycle-killed"));
    Process dead = new ProcessBuilder("/bin/true").start();
    dead.waitFor(10, TimeUnit.SECONDS);
    Files.writeString(killed.resolve("owner"), dead.pid() + " 12345");
    Process leftOver = standIn(killed);

    Path live = Files.createDirectory(base.resolve("lifecycle-live"));
    long self = ProcessHandle.current().pid();
    Files.writeString(live.resolve("owner"), self + " " + LinuxProcesses.startTime(self));
    Process running = standIn(live);

    Path beginning = Files.createDirectory(base.resolve("lifecycle-beginning")); // no owner file yet
    try {
      BenchRun.sweep(base);
      assertTrue(leftOver.waitFor(10, TimeUnit.SECONDS), "the killed run's process is ended");
      assertFalse(Files.exists(killed), "and its directory removed");
      assertTrue(running.isAlive(), "a run whose owner runs is left alone");
      assertTrue(Files.exists(live) && Files.exists(beginning));

      Files.setLastModifiedTime(beginning, FileTime.from(Instant.now().minus(Duration.ofMinutes(5))));
      BenchRun.sweep(base);
      assertFalse(Files.exists(beginning), "a run that never wrote its owner in five minutes was killed as it began");
      assertTrue(Files.exists(live));
    } finally {
      leftOver.destroyForcibly();
      running.destroyForcibly();
    }
  }

  @Test
  void endingARunsProcessesCountsThoseItsPidfilesName(@TempDir Path base) throws Exception {
    Path run = Files.createDirectory(base.resolve("lifecycle-x"));
    Process process = standIn(run);
    try {
      assertEquals(1, BenchRun.endProcesses(run));
      assertTrue(process.waitFor(10, TimeUnit.SECONDS));
      assertEquals(0, BenchRun.endProcesses(run));
    } finally {
      process.destroyForcibly();
    }
  }
}
