package io.plasmavmc.host.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.host.HostTimings;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a starting worker finds in runtime directories that an earlier worker left. */
class RecoveryTest {
  @TempDir Path run;
  private final ShellHypervisor shells = new ShellHypervisor();

  @AfterEach
  void killShells() {
    shells.killAll();
  }

  @Test
  void recoveryFindsALiveProcessAndTheExitOfOneThatDiedUnwatched() throws Exception {
    long live = shells.startOutside(new RuntimeDirectory(run, "live"));

    RuntimeDirectory died = new RuntimeDirectory(run, "died");
    died.prepareForSpawn();
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Files.writeString(died.pidFile(), Long.toString(gone.pid()));
    died.recordExitIfAbsent("guest-shutdown");

    Files.createDirectories(run.resolve("never-started"));
    Files.createDirectories(run.resolve("not a vm"));

    HostedVms vms = new HostedVms(run, shells, HostTimings.NONE);
    SortedMap<String, VmStatus> found = Recovery.recover(vms);

    assertEquals(Set.of("died", "live"), found.keySet(), "a VM that never started has nothing to report");
    VmStatus running = found.get("live");
    assertTrue(running.alive(), running.toString());
    assertEquals(VmState.CREATED, running.state());
    assertEquals(live, running.pid());
    assertTrue(running.startTime() > 0, "the process is named by its start time too");

    VmStatus exited = found.get("died");
    assertFalse(exited.alive());
    assertEquals(VmState.STOPPED, exited.state());
    assertEquals("the shell ended: guest-shutdown", exited.reason());
    assertEquals(gone.pid(), exited.pid(), "the exit is the pidfile's process's");
    assertTrue(exited.observedAt() > 0, "numbered as found");

    HostedVm recovered = vms.get("live");
    assertEquals(live, recovered.process().orElseThrow().pid(), "the rebuilt handle is attached to the live process");
    assertSame(recovered, vms.all().stream().filter(vm -> vm.id().equals("live")).findFirst().orElseThrow());
  }

  @Test
  void anEmptyHostRecoversNothing() {
    assertEquals(Set.of(), Recovery.recover(new HostedVms(run.resolve("none"), shells, HostTimings.NONE)).keySet());
  }
}
