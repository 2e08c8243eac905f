package io.plasmavmc.host.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.HostTimings;
import io.plasmavmc.host.VmNotRunningException;
import io.plasmavmc.host.VmStillRunningException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry of handles, and the host's activities over a hypervisor other than QEMU. */
class HostedVmsTest {
  @TempDir Path run;
  private final ShellHypervisor shells = new ShellHypervisor();

  @AfterEach
  void killShells() {
    shells.killAll();
  }

  private static VmSpec spec(String name) {
    return VmSpec.of(name).withResources(1, 64).withNetwork(false, List.of());
  }

  @Test
  void oneHandlePerVmAndAnIdThatCannotNameADirectoryIsRefused() {
    HostedVms vms = new HostedVms(run, shells, HostTimings.NONE);
    assertSame(vms.get("web-1"), vms.get("web-1"));
    assertEquals(run.resolve("web-1"), vms.get("web-1").directory().path());
    assertEquals("vm_id", assertThrows(InvalidSpecException.class, () -> vms.get("../web-1")).field());
    assertFalse(Files.exists(run.resolve("web-1")), "a handle alone writes nothing");
  }

  @Test
  void allHasAHandleForEveryRuntimeDirectoryAndNothingElse() throws Exception {
    HostedVms vms = new HostedVms(run, shells, HostTimings.NONE);
    Files.createDirectories(run.resolve("a"));
    Files.createDirectories(run.resolve("b"));
    Files.createDirectories(run.resolve("not a vm"));
    Files.writeString(run.resolve("c"), "a file, not a VM's directory");
    HostedVm a = vms.get("a");
    assertEquals(Set.of("a", "b"), vms.all().stream().map(HostedVm::id).collect(Collectors.toSet()));
    assertTrue(vms.all().contains(a), "the handle in use, not a second one");
    assertEquals(List.of(), new HostedVms(run.resolve("missing"), shells, HostTimings.NONE).all());
  }

  @Test
  void aForgottenHandleIsMadeAnewOnItsNextUse() {
    HostedVms vms = new HostedVms(run, shells, HostTimings.NONE);
    HostedVm first = vms.get("gone");
    vms.forget(first);
    assertNotSame(first, vms.get("gone"));
  }

  @Test
  void everyActivityStaysIdempotentOnAnotherHypervisor() {
    HostConfig config = HostConfig.of(run, Path.of("/nonexistent/qemu"), List.of(), false).withKillStepTimeout(Duration.ofMillis(500));
    try (HostActivitiesImpl host = new HostActivitiesImpl(config, shells, HostTimings.NONE)) {
      VmHandle first = host.spawn("shell", spec("shell"));
      assertFalse(first.reattached());
      assertEquals(VmState.CREATED, host.queryStatus("shell").state());
      VmHandle again = host.spawn("shell", spec("shell"));
      assertTrue(again.reattached(), "a second spawn finds the running process");
      assertEquals(first.pid(), again.pid());
      assertEquals(first.startTime(), again.startTime());
      assertEquals(Map.of("shell", first.pid()), host.runningQemus());
      assertEquals(VmState.RUNNING, host.cont("shell").state());
      assertEquals(VmState.PAUSED, host.pause("shell").state());
      assertThrows(VmStillRunningException.class, () -> host.cleanup("shell"));

      VmStatus killed = host.kill("shell");
      assertFalse(killed.alive());
      assertEquals(first.pid(), killed.pid(), "the exit names the process that ended");
      assertEquals("the shell ended: host-kill", killed.reason());
      assertFalse(host.kill("shell").alive(), "killing a VM that is gone succeeds");
      assertThrows(VmNotRunningException.class, () -> host.cont("shell"));
      assertEquals(Map.of(), host.runningQemus());
      host.cleanup("shell");
      host.cleanup("shell"); // a missing directory is success
      assertFalse(Files.exists(run.resolve("shell")));
      assertEquals("no QEMU and no runtime directory for this VM on this host", host.queryStatus("shell").reason());
    }
  }

  @Test
  void aMonitorReportsTheExitOfAnotherHypervisorsProcess() throws Exception {
    HostConfig config = HostConfig.of(run, Path.of("/nonexistent/qemu"), List.of(), false);
    try (HostActivitiesImpl host = new HostActivitiesImpl(config, shells, HostTimings.NONE)) {
      VmHandle handle = host.spawn("watched", spec("watched"));
      BlockingQueue<HostEvent> events = new LinkedBlockingQueue<>();
      CompletableFuture<VmStatus> watch = host.watch("watched", handle.pid(), handle.startTime(), events::add, () -> true);
      HostEvent attached = events.poll(10, TimeUnit.SECONDS);
      assertEquals(HostEvent.ATTACHED, attached.kind());
      assertEquals(VmState.CREATED, attached.status().state());

      ProcessHandle.of(handle.pid()).orElseThrow().destroyForcibly();
      HostEvent exited = events.poll(10, TimeUnit.SECONDS);
      assertEquals(HostEvent.EXITED, exited.kind());
      assertEquals(VmState.CRASHED, exited.status().state(), exited.toString());
      assertEquals(handle.pid(), exited.status().pid());
      assertEquals(handle.startTime(), exited.status().startTime());
      assertEquals(exited.status(), watch.get(5, TimeUnit.SECONDS));
    }
  }
}
