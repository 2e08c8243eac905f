package io.plasmavmc.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LinuxProcessesTest {

  @Test
  void aLiveProcessIsOursOnlyIfItsCommandLineNamesTheMarker() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "30").start();
    try {
      assertTrue(LinuxProcesses.isAliveAndOwned(sleeper.pid(), "sleep 30"));
      // The same pid with another VM's directory as marker: a reused pid is not ours.
      assertFalse(LinuxProcesses.isAliveAndOwned(sleeper.pid(), "/run/plasmavmc/other-vm/"));
      assertFalse(LinuxProcesses.signal(sleeper.pid(), "/run/plasmavmc/other-vm/", true));
      assertTrue(sleeper.isAlive(), "a process that is not ours is never signalled");
    } finally {
      sleeper.destroyForcibly().waitFor();
    }
  }

  @Test
  void aZombieIsNotAlive() throws Exception {
    // "sleep 30" inherits the shell's exited background child and never reaps it: a zombie.
    Process parent = new ProcessBuilder("sh", "-c", "sleep 0.05 & exec sleep 30").start();
    try {
      long zombie = -1;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (zombie < 0 && System.nanoTime() < deadline) {
        zombie = parent.children().mapToLong(ProcessHandle::pid)
            .filter(pid -> LinuxProcesses.state(pid).orElse('?') == 'Z').findFirst().orElse(-1);
        Thread.sleep(20);
      }
      assertTrue(zombie > 0, "no zombie child appeared");
      assertEquals(Optional.of('Z'), LinuxProcesses.state(zombie));
      assertTrue(ProcessHandle.of(zombie).map(ProcessHandle::isAlive).orElse(false), "the JDK still calls a zombie alive");
      assertFalse(LinuxProcesses.isAliveAndOwned(zombie, ""));
      assertTrue(LinuxProcesses.awaitGone(zombie, "", Duration.ofMillis(10)));
    } finally {
      parent.destroyForcibly().waitFor();
    }
  }

  @Test
  void signalEndsOurProcessAndAwaitGoneSeesIt() throws Exception {
    Path marker = Files.createTempDirectory("plasmavmc-marker");
    Process sleeper = new ProcessBuilder("sh", "-c", "sleep 30; true", marker.toString()).start();
    try {
      assertTrue(LinuxProcesses.signal(sleeper.pid(), marker.toString(), false));
      assertTrue(LinuxProcesses.awaitGone(sleeper.pid(), marker.toString(), Duration.ofSeconds(5)));
    } finally {
      sleeper.destroyForcibly().waitFor();
      Files.deleteIfExists(marker);
    }
  }

  @Test
  void aMissingProcessHasNoState() {
    assertEquals(Optional.empty(), LinuxProcesses.state(Integer.MAX_VALUE));
    assertFalse(LinuxProcesses.isAliveAndOwned(Integer.MAX_VALUE, ""));
  }
}
