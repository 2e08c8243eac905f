package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.GuestExecResult;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.PortForward;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.qemu.QemuCommandLine;
import io.plasmavmc.host.qemu.QemuIdentity;
import io.plasmavmc.host.qemu.QemuPriority;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.SpawnInAnotherProcess;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HostActivities against real QEMU. Guests that boot a kernel run under TCG (the nested KVM of CI
 * machines cannot boot one); tests that only need a QEMU process use KVM where /dev/kvm is usable.
 */
class HostActivitiesQemuTest {
  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");

  /** As the worker does: QEMU runs as this unprivileged user when the tests run as root (null otherwise). */
  static final QemuIdentity IDENTITY = QemuIdentity.ensure("plasmavmc-qemu");
  /** Probed once: starting QEMU to find a CPU model costs a few hundred ms. */
  private static final HostConfig PROBED = HostConfig.probed(Path.of("/unused"), QEMU, List.of(), IDENTITY);

  @TempDir Path tmp;
  private Path run;
  private HostActivitiesImpl host;

  @BeforeEach
  void setUp() throws Exception {
    // QEMU's user passes through to its runtime directory, as through /run on a host.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    run = Files.createDirectories(tmp.resolve("run"));
    host = new HostActivitiesImpl(config());
  }

  private HostConfig config() {
    return HostConfig.of(run, QEMU, List.of(TestGuest.dir()), PROBED.kvmUsable()).withKvmCpuModel(PROBED.kvmCpuModel())
        .withQemuIdentity(IDENTITY);
  }

  @AfterEach
  void tearDown() {
    for (Long pid : QemuProcessTable.livePidsMentioning(run)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    host.close();
  }

  private static VmSpec guest(String name, Path initrd) {
    return VmSpec.of(name).withAccelerator(Accelerator.TCG)
        .withKernel(TestGuest.kernel().toString(), initrd.toString(), TestGuest.CMDLINE)
        .withNetwork(false, List.of());
  }

  private static VmSpec bareQemu(String name) {
    return VmSpec.of(name).withResources(1, 64).withNetwork(false, List.of());
  }

  @Test
  void theGuestAgentAnswersOnceTheGuestRunsItAndPowersTheGuestOff() throws Exception {
    VmHandle handle = host.spawn("agent", guest("agent", TestGuest.agent()).withGuestAgent(true));
    RuntimeDirectory dir = host.directory("agent");
    assertTrue(LinuxProcesses.commandLine(handle.pid()).contains("name=org.qemu.guest_agent.0"));
    try (AgentWaits agents = new AgentWaits(Duration.ofSeconds(5), 2)) {
      ProbeResult early = agents.await(QemuCommandLine.agentSocket(dir), Duration.ofMillis(700), () -> true).get(10, TimeUnit.SECONDS);
      assertFalse(early.ready(), "a guest that does not run yet has no agent to answer");
      host.cont("agent");
      ProbeResult ready = agents.await(QemuCommandLine.agentSocket(dir), Duration.ofSeconds(90), () -> true).get(100, TimeUnit.SECONDS);
      assertTrue(ready.ready(), ready.toString());
    }
    TestGuest.awaitReady(dir.serialLog(), 1, Duration.ofSeconds(30));
    assertTrue(Files.readString(dir.serialLog()).contains("PLASMAVMC-GUEST-READY variant=agent"));

    // guest-exec: a program with its arguments as given (no shell unless asked for), its exit code and output.
    GuestExecResult exec = host.guestExec("agent", new GuestCommand("/bin/sh", List.of("-c", "echo \"$1\"; echo err >&2; exit 3", "sh",
        "a'b; $(reboot)"), 3, 10));
    assertEquals(new GuestExecResult(GuestExecResult.Outcome.EXITED, 3, "a'b; $(reboot)\n", "err\n"), exec);
    GuestExecResult slow = host.guestExec("agent", new GuestCommand("/bin/sleep", List.of("30"), 0, 1));
    assertEquals(GuestExecResult.Outcome.TIMED_OUT, slow.outcome());
    GuestExecResult missing = host.guestExec("agent", new GuestCommand("/no/such/program", List.of(), 0, 10));
    assertEquals(GuestExecResult.Outcome.EXITED, missing.outcome(), missing.toString());
    assertTrue(missing.exitCode() != 0, missing.toString());

    assertTrue(host.agentShutdown("agent"), "the agent answered and was asked to power off");
    VmStatus exited = host.awaitExit("agent", Duration.ofSeconds(30));
    assertFalse(exited.alive(), exited.toString());
    assertEquals(VmState.STOPPED, exited.state());
    assertEquals("the guest powered off", exited.reason());
    assertTrue(Files.readString(dir.serialLog()).contains("guest: the guest agent asked to power off"));
    assertThrows(VmNotRunningException.class, () -> host.agentShutdown("agent"));

    host.spawn("no-agent", bareQemu("no-agent"));
    long start = System.nanoTime();
    assertFalse(host.agentShutdown("no-agent"), "a VM without an agent channel");
    assertEquals(GuestExecResult.Outcome.NO_AGENT, host.guestExec("no-agent", new GuestCommand("/bin/true", List.of(), 0, 5)).outcome());
    assertTrue(System.nanoTime() - start < 5_000_000_000L, "answered without waiting out the sync");
  }

  @Test
  void gracefulGuestRunsPausesResetsAndPowersItselfOff() throws Exception {
    VmHandle handle = host.spawn("graceful", guest("graceful", TestGuest.graceful()));
    System.out.println("graceful guest accelerator: " + handle.accelerator());
    assertFalse(handle.reattached());
    assertEquals(VmState.CREATED, host.queryStatus("graceful").state());
    assertEquals("prelaunch", host.queryStatus("graceful").qemuRunState());
    assertEquals(handle.pid(), host.queryStatus("graceful").pid());

    assertEquals(VmState.RUNNING, host.cont("graceful").state());
    Path serial = host.directory("graceful").serialLog();
    TestGuest.awaitReady(serial, 1, Duration.ofSeconds(90));

    VmStatus paused = host.pause("graceful");
    assertEquals(VmState.PAUSED, paused.state());
    assertEquals("paused", paused.qemuRunState());
    assertEquals(VmState.RUNNING, host.cont("graceful").state());

    assertEquals(VmState.RUNNING, host.reset("graceful").state());
    TestGuest.awaitReady(serial, 2, Duration.ofSeconds(90));

    try {
      host.powerdown("graceful");
    } catch (VmNotRunningException poweredOffAtOnce) {
      // The button was pressed; on a busy host the guest can be off before QEMU answers the
      // query-status that follows it (a workflow takes this as the guest gone on its own).
    }
    VmStatus exited = host.awaitExit("graceful", Duration.ofSeconds(30));
    assertFalse(exited.alive(), exited.toString());
    assertEquals(VmState.STOPPED, exited.state());
    assertEquals("the guest powered off", exited.reason());
    assertTrue(QemuProcessTable.livePidsMentioning(run).isEmpty());
    assertEquals(VmState.STOPPED, host.queryStatus("graceful").state());

    host.cleanup("graceful");
    assertFalse(Files.exists(run.resolve("graceful")));
    host.cleanup("graceful"); // idempotent
  }

  @Test
  void stubbornGuestIgnoresThePowerButtonAndKillEscalates() throws Exception {
    VmHandle handle = host.spawn("stubborn", guest("stubborn", TestGuest.stubborn()));
    System.out.println("stubborn guest accelerator: " + handle.accelerator());
    host.cont("stubborn");
    TestGuest.awaitReady(host.directory("stubborn").serialLog(), 1, Duration.ofSeconds(90));

    host.powerdown("stubborn");
    VmStatus waited = host.awaitExit("stubborn", Duration.ofSeconds(2));
    assertTrue(waited.alive(), "the stubborn guest must ignore the power button");
    assertEquals(VmState.RUNNING, waited.state());

    VmStatus killed = host.kill("stubborn");
    assertFalse(killed.alive());
    assertEquals(VmState.STOPPED, killed.state());
    assertTrue(QemuProcessTable.livePidsMentioning(run).isEmpty());
    assertTrue(ProcessHandle.of(handle.pid()).map(p -> !p.isAlive() || p.info().command().isEmpty()).orElse(true));

    VmStatus again = host.kill("stubborn");
    assertFalse(again.alive());
    host.cleanup("stubborn");
  }

  @Test
  void spawnTwiceRunsOneQemu() {
    VmHandle first = host.spawn("twice", bareQemu("twice"));
    System.out.println("spawn-twice accelerator: " + first.accelerator());
    VmHandle second = host.spawn("twice", bareQemu("twice"));
    assertTrue(second.reattached());
    assertEquals(first.pid(), second.pid());
    assertEquals(List.of(first.pid()), QemuProcessTable.livePidsMentioning(run));
    host.kill("twice");
    assertTrue(QemuProcessTable.livePidsMentioning(run).isEmpty());
  }

  /** QEMU yields CPU to the worker (issue 20): its threads and, where the kernel groups sessions, its session run niced. */
  @Test
  void qemuRunsNicedAndSoDoesItsSession() throws Exception {
    VmHandle handle = host.spawn("niced", bareQemu("niced"));
    String stat = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    assertEquals(String.valueOf(QemuPriority.DEFAULT_NICE), fields[16], "nice is field 19 of /proc/<pid>/stat");
    Path autogroup = Path.of("/proc", Long.toString(handle.pid()), "autogroup");
    if (Files.exists(autogroup)) {
      assertTrue(Files.readString(autogroup).trim().endsWith("nice " + QemuPriority.DEFAULT_NICE), Files.readString(autogroup));
    }
    assertEquals(new SpawnLoad(HostLimits.defaultMaxConcurrentSpawns(), 0, 0, 0), host.spawnLoad(), "its spawn slot given back");
    host.kill("niced");
  }

  @Test
  void aRestartedWorkerReattachesToTheRunningQemu() {
    VmHandle first = host.spawn("restart", bareQemu("restart"));
    System.out.println("re-attach accelerator: " + first.accelerator());
    host.close(); // the old worker's QMP connection ends with it

    HostActivitiesImpl restarted = new HostActivitiesImpl(config());
    try {
      VmHandle again = restarted.spawn("restart", bareQemu("restart"));
      assertTrue(again.reattached());
      assertEquals(first.pid(), again.pid());
      assertEquals(VmState.CREATED, restarted.queryStatus("restart").state());
      assertEquals(1, QemuProcessTable.livePidsMentioning(run).size());
      restarted.kill("restart");
      restarted.cleanup("restart");
    } finally {
      restarted.close();
    }
  }

  @Test
  void aStartingWorkerRecoversItsRunningQemuAndTheExitNobodyWatched() throws Exception {
    VmHandle kept = host.spawn("kept", bareQemu("kept"));
    VmHandle died = host.spawn("died", bareQemu("died"));
    host.close(); // the old worker goes; its QEMUs stay
    ProcessHandle.of(died.pid()).orElseThrow().destroyForcibly();
    ProcessHandle.of(died.pid()).ifPresent(p -> p.onExit().join());

    try (HostActivitiesImpl restarted = new HostActivitiesImpl(config())) {
      Map<String, VmStatus> found = restarted.recover();
      assertEquals(Set.of("kept", "died"), found.keySet());
      VmStatus running = found.get("kept");
      assertEquals(VmState.CREATED, running.state(), running.toString());
      assertEquals(kept.pid(), running.pid());
      assertEquals(kept.startTime(), running.startTime());
      VmStatus exited = found.get("died");
      assertEquals(VmState.CRASHED, exited.state(), exited.toString());
      assertEquals(died.pid(), exited.pid(), "the exit is the dead QEMU's");
      assertEquals(VmState.RUNNING, restarted.cont("kept").state(), "the recovered handle drives the QEMU it found");
      assertFalse(restarted.kill("kept").alive());
    }
  }

  @Test
  void aQemuKilledFromOutsideIsReportedCrashed() throws Exception {
    VmHandle handle = host.spawn("victim", bareQemu("victim"));
    System.out.println("killed-from-outside accelerator: " + handle.accelerator());
    ProcessHandle.of(handle.pid()).orElseThrow().destroyForcibly();
    VmStatus status = host.awaitExit("victim", Duration.ofSeconds(10));
    assertFalse(status.alive());
    assertEquals(VmState.CRASHED, status.state());
    assertTrue(status.reason().contains("without a shutdown event"), status.reason());
    assertEquals(VmState.CRASHED, host.queryStatus("victim").state());
    assertThrows(VmNotRunningException.class, () -> host.cont("victim"));
    assertFalse(host.kill("victim").alive()); // killing a VM that is gone succeeds
    host.cleanup("victim");
  }

  @Test
  void theMonitorReportsAGuestPoweringItselfOffAndAKilledQemuWithinASecond() throws Exception {
    VmSpec selfStopping = guest("selfstop", TestGuest.stubborn())
        .withKernel(TestGuest.kernel().toString(), TestGuest.stubborn().toString(), TestGuest.CMDLINE + " plasmavmc.poweroff_after=1");
    host.spawn("selfstop", selfStopping);
    host.spawn("victim2", bareQemu("victim2"));
    BlockingQueue<HostEvent> guestEvents = new LinkedBlockingQueue<>();
    BlockingQueue<HostEvent> victimEvents = new LinkedBlockingQueue<>();
    var guestWatch = host.watch("selfstop", 0, 0, guestEvents::add, () -> true);
    var victimWatch = host.watch("victim2", 0, 0, victimEvents::add, () -> true);
    assertEquals(HostEvent.ATTACHED, guestEvents.poll(10, TimeUnit.SECONDS).kind());
    assertEquals(HostEvent.ATTACHED, victimEvents.poll(10, TimeUnit.SECONDS).kind());

    long pid = host.queryStatus("victim2").pid();
    long killedAt = System.nanoTime();
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    HostEvent exited = victimEvents.poll(5, TimeUnit.SECONDS);
    long millis = (System.nanoTime() - killedAt) / 1_000_000;
    assertEquals(HostEvent.EXITED, exited.kind());
    assertEquals(VmState.CRASHED, exited.status().state());
    assertTrue(millis < 1000, "a killed QEMU is reported within a second, took " + millis + " ms");
    assertEquals(VmState.CRASHED, victimWatch.get(5, TimeUnit.SECONDS).state());

    host.cont("selfstop");
    HostEvent event;
    do {
      event = guestEvents.poll(90, TimeUnit.SECONDS);
    } while (event != null && !event.kind().equals("SHUTDOWN"));
    assertTrue(event != null, "the guest's own power-off arrives as a SHUTDOWN event");
    assertTrue(event.detail().contains("guest-shutdown"), event.detail());
    long shutdownAt = System.nanoTime();
    HostEvent gone = guestEvents.poll(5, TimeUnit.SECONDS);
    assertEquals(HostEvent.EXITED, gone.kind());
    assertEquals(VmState.STOPPED, gone.status().state());
    assertEquals("the guest powered off", gone.status().reason());
    assertTrue((System.nanoTime() - shutdownAt) / 1_000_000 < 1000);
    assertEquals(VmState.STOPPED, guestWatch.get(5, TimeUnit.SECONDS).state());
  }

  @Test
  void killOfAVmThatNeverExistedSucceeds() {
    VmStatus status = host.kill("ghost");
    assertFalse(status.alive());
    assertEquals(VmState.STOPPED, status.state());
    host.cleanup("ghost");
  }

  @Test
  void cleanupRefusesARunningVm() {
    VmHandle handle = host.spawn("busy", bareQemu("busy"));
    assertThrows(VmStillRunningException.class, () -> host.cleanup("busy"));
    assertTrue(Files.exists(run.resolve("busy").resolve("qemu.pid")));
    assertEquals(List.of(handle.pid()), QemuProcessTable.livePidsMentioning(run));
    host.kill("busy");
    host.cleanup("busy");
  }

  @Test
  void hostileSpecsNeverReachQemu() throws Exception {
    Path secret = Files.writeString(tmp.resolve("secret"), "not a disk");
    VmSpec outside = bareQemu("evil").withDisks(List.of(new DiskSpec(secret.toString(), DiskFormat.RAW, true)));
    assertEquals("spec.disks[0].path", assertThrows(InvalidSpecException.class, () -> host.spawn("evil", outside)).field());
    VmSpec injected = bareQemu("evil").withMachineType("q35,memory-backend=x");
    assertEquals("spec.machine_type", assertThrows(InvalidSpecException.class, () -> host.spawn("evil", injected)).field());
    assertEquals("vm_id", assertThrows(InvalidSpecException.class, () -> host.spawn("../evil", bareQemu("evil"))).field());
    assertFalse(Files.exists(run.resolve("evil")), "a refused spec leaves no runtime directory");
    assertTrue(QemuProcessTable.livePidsMentioning(tmp).isEmpty());
  }

  @Test
  void theHostAdmitsVmsWithinItsLimits() throws Exception {
    HostActivitiesImpl small = new HostActivitiesImpl(config().withLimits(new HostLimits(List.of("127.0.0.1"), 2000, 3000, 1, 1.5)));
    try {
      VmSpec exposed = bareQemu("exposed").withNetwork(true, List.of(new PortForward(PortForward.Protocol.TCP, "0.0.0.0", 2222, 22)));
      assertEquals("spec.port_forwards[0].host_address", assertThrows(InvalidSpecException.class, () -> small.spawn("exposed", exposed)).field());
      VmSpec lowPort = bareQemu("low").withNetwork(true, List.of(new PortForward(PortForward.Protocol.TCP, "127.0.0.1", 22, 22)));
      assertEquals("spec.port_forwards[0].host_port", assertThrows(InvalidSpecException.class, () -> small.spawn("low", lowPort)).field());
      VmSpec huge = bareQemu("huge").withResources(1, VmSpec.MAX_MEMORY_MIB);
      InvalidSpecException tooBig = assertThrows(InvalidSpecException.class, () -> small.spawn("huge", huge));
      assertEquals("spec.memory_mib", tooBig.field(), "4 TiB is refused before QEMU runs: " + tooBig.getMessage());
      small.spawn("first", bareQemu("first"));
      HostFullException full = assertThrows(HostFullException.class, () -> small.spawn("second", bareQemu("second")));
      assertTrue(full.getMessage().contains("max VMs"), full.getMessage());
      assertFalse(Files.exists(run.resolve("second")), "a VM the host had no room for leaves nothing");
      assertTrue(small.spawn("first", bareQemu("first")).reattached(), "the running VM itself is not refused");
      small.kill("first");
      small.spawn("second", bareQemu("second"));
      small.kill("second");
      assertTrue(QemuProcessTable.livePidsMentioning(run).isEmpty());
    } finally {
      small.close();
    }
  }

  @Test
  void qemuRunsUnprivilegedUnderItsStrictestSeccompSandbox() throws Exception {
    VmHandle handle = host.spawn("confined", bareQemu("confined"));
    String status = Files.readString(Path.of("/proc", Long.toString(handle.pid()), "status"));
    String uids = status.lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
    for (String uid : uids.substring(4).trim().split("\\s+")) {
      assertTrue(!uid.equals("0"), "QEMU does not run as root: " + uids);
      if (IDENTITY != null) {
        assertEquals(Integer.toString(IDENTITY.uid()), uid, uids);
      }
    }
    assertTrue(status.contains("Seccomp:\t2"), "seccomp filter mode: " + status);
    assertTrue(status.contains("NoNewPrivs:\t1"), status);
    assertTrue(String.join(" ", Files.readAllLines(host.directory("confined").commandLineFile()))
        .contains("-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"));
    assertEquals(VmState.RUNNING, host.cont("confined").state(), "QMP works from the worker");
    assertFalse(host.kill("confined").alive());
  }

  @Test
  void qemuRefusingToStartReportsItsOwnErrorAndLeavesNothing() {
    VmSpec unknownMachine = bareQemu("nomachine").withMachineType("no-such-machine");
    SpawnFailedException e = assertThrows(SpawnFailedException.class, () -> host.spawn("nomachine", unknownMachine));
    assertTrue(e.detail().contains("unsupported machine type"), "QEMU's own message, for the log: " + e.detail());
    assertFalse(e.getMessage().contains("unsupported machine type") || e.getMessage().contains(run.toString()),
        "no host detail for clients: " + e.getMessage());
    assertTrue(e.getMessage().contains("error " + e.errorId()), e.getMessage());
    assertTrue(QemuProcessTable.livePidsMentioning(run).isEmpty());
    assertFalse(Files.exists(run.resolve("nomachine")), "a VM QEMU refused leaves no runtime directory");
  }

  @Test
  void twoProcessesSpawningOneVmAtOnceStartOneQemu() throws Exception {
    for (int round = 0; round < 3; round++) {
      String vm = "race-" + round;
      Process a = SpawnInAnotherProcess.start(run, vm);
      Process b = SpawnInAnotherProcess.start(run, vm);
      String outA = new String(a.getInputStream().readAllBytes()).trim();
      String outB = new String(b.getInputStream().readAllBytes()).trim();
      assertEquals(0, a.waitFor(), outA);
      assertEquals(0, b.waitFor(), outB);
      String pidA = outA.lines().filter(l -> l.startsWith("pid ")).findFirst().orElseThrow(() -> new AssertionError(outA)).split(" ")[1];
      String pidB = outB.lines().filter(l -> l.startsWith("pid ")).findFirst().orElseThrow(() -> new AssertionError(outB)).split(" ")[1];
      assertEquals(pidA, pidB, "both processes end up with the same QEMU");
      assertTrue(outA.contains("reattached") != outB.contains("reattached"), "one started it, the other found it: " + outA + " / " + outB);
      assertEquals(List.of(Long.parseLong(pidA)), QemuProcessTable.livePidsMentioning(run.resolve(vm)));
      host.kill(vm);
    }
  }

  @Test
  void observationsNameTheirQemuInstanceAndComeInOrder() throws Exception {
    VmHandle handle = host.spawn("ordered", bareQemu("ordered"));
    assertTrue(handle.startTime() > 0);
    VmStatus before = host.queryStatus("ordered");
    VmStatus running = host.cont("ordered");
    assertEquals(handle.pid(), running.pid());
    assertEquals(handle.startTime(), running.startTime(), "the instance is the one spawned");
    assertTrue(running.observedAt() > before.observedAt(), "later observations are numbered higher");
    VmStatus killed = host.kill("ordered");
    assertFalse(killed.alive());
    assertEquals(handle.pid(), killed.pid(), "the exit names the instance that ended");
    assertEquals(handle.startTime(), killed.startTime());
    assertTrue(killed.observedAt() > running.observedAt());
  }

  @Test
  void aWatchOfAQemuThatDiedUnwatchedReportsItsExitAtOnce() throws Exception {
    VmHandle handle = host.spawn("unwatched", bareQemu("unwatched"));
    ProcessHandle.of(handle.pid()).orElseThrow().destroyForcibly();
    ProcessHandle.of(handle.pid()).ifPresent(p -> p.onExit().join());
    BlockingQueue<HostEvent> events = new LinkedBlockingQueue<>();
    VmStatus ended = host.watch("unwatched", handle.pid(), handle.startTime(), events::add, () -> true)
        .get(5, TimeUnit.SECONDS);
    assertEquals(VmState.CRASHED, ended.state());
    assertEquals(handle.pid(), ended.pid());
    HostEvent exited = events.poll(1, TimeUnit.SECONDS);
    assertEquals(HostEvent.EXITED, exited.kind());
    assertEquals(handle.pid(), exited.qemuPid());
  }

  @Test
  void aWatchNoLongerWantedEndsWithoutTouchingQemu() throws Exception {
    VmHandle handle = host.spawn("unwanted", bareQemu("unwanted"));
    BlockingQueue<HostEvent> events = new LinkedBlockingQueue<>();
    AtomicBoolean wanted = new AtomicBoolean(true);
    var watch = host.watch("unwanted", handle.pid(), handle.startTime(), events::add, wanted::get);
    assertEquals(HostEvent.ATTACHED, events.poll(10, TimeUnit.SECONDS).kind());
    wanted.set(false);
    assertThrows(CancellationException.class,
        () -> watch.get(HostActivities.MONITOR_HEARTBEAT_INTERVAL.toSeconds() * 3, TimeUnit.SECONDS));
    assertEquals(VmState.CREATED, host.queryStatus("unwanted").state(), "QEMU runs on");
  }

  @Test
  void runtimeDirectoryIsPrivateAndRecordsTheSpecAndCommandLine() throws Exception {
    host.spawn("files", bareQemu("files"));
    RuntimeDirectory dir = host.directory("files");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.path())));
    assertTrue(Files.readString(dir.specFile()).contains("\"name\" : \"files\""));
    List<String> args = Files.readAllLines(dir.commandLineFile());
    assertEquals(QEMU.toString(), args.get(0));
    assertTrue(args.contains("-sandbox"));
    assertTrue(Files.exists(QemuCommandLine.qmpSocket(dir)));
    host.kill("files");
  }
}
