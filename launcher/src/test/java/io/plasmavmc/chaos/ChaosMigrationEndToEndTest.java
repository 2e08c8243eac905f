package io.plasmavmc.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.api.v1.Operation;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.contract.fleet.Labels;
import io.plasmavmc.e2e.TestImages;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chaos suite for live migration (issue 19): one running guest moved back and forth between two
 * hosts (each a worker in a JVM of its own, sharing Temporal and storage) while, at each step of
 * the saga, the source's worker, the target's worker, Temporal's server, the source's QEMU or the
 * target's QEMU is SIGKILLed. After every fault the invariant the issue asks for is checked:
 * exactly one live QEMU holds the VM while it runs, the one GetVm names, on the host GetVm names,
 * that host alone holds room for it, and no QEMU on either host belongs to no VM. The guest keeps
 * its console across every migration that completes: booted once, it never boots again until
 * stopped, and its console still begins with what it printed on its first host.
 *
 * <p>The cut of the link between two hosts mid-transfer needs hosts with links of their own: it
 * is in the cluster's suite (ClusterEndToEndTest), whose hosts live in network namespaces.
 */
@Tag("chaos")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosMigrationEndToEndTest {
  private static final String A = "chaos-mig-a";
  private static final String B = "chaos-mig-b";
  private static final String VM = "cm";
  /** Slow enough that a fault at the transfer's start lands mid-transfer (the guest sends some 20 MiB that are not zero). */
  private static final int SLOW_MIBPS = 8;
  private static final Set<VmState> DOWN = Set.of(VmState.VM_STATE_CRASHED, VmState.VM_STATE_STOPPED, VmState.VM_STATE_FAILED);
  private static ChaosStack chaos;
  /** How many QEMUs the last QEMU fault found to kill: one, or it was not the fault meant. */
  private static volatile int qemusKilled;

  @BeforeAll
  static void up() throws Exception {
    // Both hosts see the same image store and VMs' directory (the stack's storage), and say so.
    chaos = ChaosStack.start("chaos (live migration)", A, List.of("--label", Labels.SHARED_STORAGE + "=chaos-storage"));
    chaos.addHost(B);
    chaos.created(VM);
    Vm vm = chaos.vms().withDeadlineAfter(4, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(VM).setSpec(guest())
        .setHostId(A).setStart(true).setWaitForReady(true).setRequestId("chaos-" + VM).build());
    assertEquals(VmState.VM_STATE_RUNNING, vm.getState());
  }

  @AfterAll
  static void down() throws Exception {
    chaos.close();
  }

  private static VmSpec guest() {
    return VmSpec.newBuilder().setMemoryMib(128).setAccelerator(Accelerator.ACCELERATOR_TCG).setNoNetwork(true)
        .setKernel(TestGuest.kernel().toString()).setInitrd(TestGuest.dir().resolve("initrd-graceful.img").toString())
        .setKernelCmdline(TestGuest.CMDLINE)
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER).setTimeoutSeconds(120)).build();
  }

  private static String hostNow() {
    return chaos.get(VM).getHostId();
  }

  private static String other(String host) {
    return A.equals(host) ? B : A;
  }

  private static Supplier<Vm> migrateTo(String host, int maxBandwidthMibps) {
    return () -> chaos.vms().migrateVm(MigrateVmRequest.newBuilder().setName(VM).setTargetHostId(host)
        .setMaxBandwidthMibps(maxBandwidthMibps).build());
  }

  /** A migration's end as the client saw it: the VM it returned, or the status it failed with. */
  private record Outcome(Vm vm, StatusRuntimeException failure) {
    static Outcome of(Supplier<Vm> call) {
      try {
        return new Outcome(call.get(), null);
      } catch (StatusRuntimeException e) {
        return new Outcome(null, e);
      }
    }

    String said() {
      return failure == null ? "migrated" : failure.getStatus().getCode() + ": " + failure.getStatus().getDescription();
    }
  }

  /**
   * SIGKILLs the QEMU of the VM on host {@code host} (it runs in the worker's output reader: it
   * asserts nothing, it counts what it killed in {@link #qemusKilled}).
   */
  private static Runnable killQemuOn(String host) {
    return () -> {
      List<Long> pids = chaos.qemusOf(VM, host);
      qemusKilled = pids.size();
      pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    };
  }

  private static String lastMigration(Vm vm) {
    List<Operation> migrations = vm.getRecentOperationsList().stream().filter(op -> op.getName().equals("migrate")).toList();
    return migrations.isEmpty() ? "no migration recorded" : migrations.get(migrations.size() - 1).getOutcome();
  }

  /**
   * Exactly one owner: the VM is {@code state} on {@code host}; while it runs exactly one live QEMU
   * holds it, the one GetVm names, on that host, and none elsewhere; down, none anywhere; the host
   * alone holds room for it. Then the scenario's row (which checks for orphans on both hosts).
   */
  private static void record(String scenario, Fault fault, Step step, String host, VmState state) {
    Vm vm = chaos.get(VM);
    assertEquals(host, vm.getHostId(), scenario + ": the VM's host");
    boolean runs = vm.getState() == VmState.VM_STATE_RUNNING || vm.getState() == VmState.VM_STATE_PAUSED;
    assertEquals(runs ? List.of(vm.getQemuPid()) : List.of(), chaos.qemusOf(VM, host), scenario + ": the QEMU GetVm names, on " + host);
    assertEquals(List.of(), chaos.qemusOf(VM, other(host)), scenario + ": no QEMU of the VM on " + other(host));
    assertTrue(chaos.hosts().getHost(GetHostRequest.newBuilder().setId(host).build()).getVmsList().contains(VM),
        scenario + ": its host holds room for it");
    assertTrue(!chaos.hosts().getHost(GetHostRequest.newBuilder().setId(other(host)).build()).getVmsList().contains(VM),
        scenario + ": the other host holds none");
    chaos.record(scenario, fault.words + " SIGKILLed at \"" + step.line.strip() + "\"", VM, vm.getState(), state, runs ? 1 : 0);
  }

  /** A step of the saga, as the host that runs it logs it (the line is the moment the fault lands). */
  enum Step {
    TARGET_PREPARED("the target's QEMU waits for the state", true, "waits for migration"),
    TARGET_LISTENS("the target listens", true, "listens for migration"),
    TRANSFER_STARTED("the transfer started", false, "sends the VM to"),
    TRANSFER_DONE("the transfer completed (the source postmigrate)", false, " transferred: "),
    TARGET_RUNS("the target's guest runs", true, "took the VM over"),
    SOURCE_ENDED("the source's QEMU ended", false, ": the source of migration");

    final String words;
    final boolean onTarget;
    final String line;

    Step(String words, boolean onTarget, String line) {
      this.words = words;
      this.onTarget = onTarget;
      this.line = line;
    }

    /** Before the target's guest runs: the source still owns the VM. */
    boolean beforeSwitch() {
      return ordinal() < TARGET_RUNS.ordinal();
    }
  }

  /** What is SIGKILLed. */
  enum Fault {
    SOURCE_WORKER("the source's worker"),
    TARGET_WORKER("the target's worker"),
    TEMPORAL("Temporal's server"),
    SOURCE_QEMU("the source's QEMU"),
    TARGET_QEMU("the target's QEMU");

    final String words;

    Fault(String words) {
      this.words = words;
    }
  }

  /** How a migration must end after a fault: its one owner, and whether it runs. */
  enum End {
    /** The migration completes: the VM RUNNING on the target. */
    MOVED,
    /** Undone: the VM RUNNING on the source, the same QEMU. */
    STAYED,
    /** The QEMU that owned the VM died with it: the VM down on the source. */
    DOWN_ON_SOURCE,
    /** The target's QEMU died once it owned the VM: the VM down on the target. */
    DOWN_ON_TARGET;

    boolean down() {
      return this == DOWN_ON_SOURCE || this == DOWN_ON_TARGET;
    }

    /**
     * What must come of {@code fault} at {@code step}, or null where there is nothing to kill. A dead
     * worker or server loses nothing (every step is found again by its migration id); the source's
     * QEMU matters until its state is all sent, the target's once it holds it all and is let run.
     */
    static End after(Fault fault, Step step) {
      return switch (fault) {
        case SOURCE_WORKER, TARGET_WORKER, TEMPORAL -> MOVED;
        case SOURCE_QEMU -> step == Step.SOURCE_ENDED ? null
            : step.ordinal() < Step.TRANSFER_DONE.ordinal() ? DOWN_ON_SOURCE : MOVED;
        case TARGET_QEMU -> step.beforeSwitch() ? STAYED : DOWN_ON_TARGET;
      };
    }
  }

  /** Every fault at every step where it kills something, those that leave the VM running first. */
  static Stream<Arguments> leavingItRunning() {
    return scenarios(false);
  }

  /** Those that end the QEMU owning the VM: each is followed by a fresh boot. */
  static Stream<Arguments> endingItsQemu() {
    return scenarios(true);
  }

  private static Stream<Arguments> scenarios(boolean down) {
    List<Arguments> all = new ArrayList<>();
    for (Fault fault : Fault.values()) {
      for (Step step : Step.values()) {
        End end = End.after(fault, step);
        if (end != null && end.down() == down) {
          all.add(Arguments.of(fault, step));
        }
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} SIGKILLed once {1}")
  @MethodSource("leavingItRunning")
  @Order(1)
  void aFaultThatLeavesTheVmRunning(Fault fault, Step step) throws Exception {
    migrateThrough(fault, step);
  }

  @Test
  @Order(2)
  void theGuestBootedOnceAndKeptItsConsoleThroughEveryMigration() throws Exception {
    String console = console();
    assertEquals(1, occurrences(console, TestGuest.READY_MARKER), "booted once, never again, across the migrations:\n" + console);
    Vm stopped = chaos.vms().stopVm(StopVmRequest.newBuilder().setName(VM).setTimeoutSeconds(60).build());
    assertEquals(VmState.VM_STATE_STOPPED, stopped.getState(), "the guest answers its power button on its last host");
    String after = console();
    int ready = after.indexOf(TestGuest.READY_MARKER);
    int powerOff = after.indexOf("guest: power button pressed, powering off");
    assertTrue(ready >= 0 && powerOff > ready, "one console: what the guest printed on its first host, then its power-off:\n" + after);
    start();
  }

  @ParameterizedTest(name = "{0} SIGKILLed once {1}")
  @MethodSource("endingItsQemu")
  @Order(3)
  void aFaultThatEndsTheQemuOwningTheVm(Fault fault, Step step) throws Exception {
    migrateThrough(fault, step);
    start();
  }

  @Test
  @Order(4)
  void deletedTheVmLeavesNoQemuOnEitherHost() {
    chaos.vms().deleteVm(DeleteVmRequest.newBuilder().setName(VM).build());
    assertEquals(List.of(), chaos.qemusOf(VM, A));
    assertEquals(List.of(), chaos.qemusOf(VM, B));
  }

  /**
   * Migrates the VM to the other host while {@code fault} lands as {@code step}'s host logs its
   * line (a worker killed is started again at once, as its supervisor would); then checks that
   * the migration ended as {@link End#after} says and that the VM has exactly one owner.
   */
  private static void migrateThrough(Fault fault, Step step) throws Exception {
    String from = hostNow();
    String to = other(from);
    long sourcePid = chaos.get(VM).getQemuPid();
    End expected = End.after(fault, step);
    PlasmaVmcProcess logging = chaos.workerOf(step.onTarget ? to : from);
    PlasmaVmcProcess victim = fault == Fault.SOURCE_WORKER ? chaos.workerOf(from) : fault == Fault.TARGET_WORKER ? chaos.workerOf(to) : null;
    long temporalBefore = chaos.temporal.pid();
    qemusKilled = 0;
    Runnable kill = switch (fault) {
      case SOURCE_WORKER, TARGET_WORKER -> victim::kill;
      case TEMPORAL -> () -> ProcessHandle.of(temporalBefore).ifPresent(ProcessHandle::destroyForcibly);
      case SOURCE_QEMU -> killQemuOn(from);
      case TARGET_QEMU -> killQemuOn(to);
    };
    // A QEMU or the server killed as the transfer starts must land mid-transfer: the stream is slowed so it is still under way.
    int bandwidth = step == Step.TRANSFER_STARTED && victim == null ? SLOW_MIBPS : 0;
    CompletableFuture<Void> injected = logging.whenItLogs(step.line, kill);
    CompletableFuture<Outcome> migration = CompletableFuture.supplyAsync(() -> Outcome.of(migrateTo(to, bandwidth)));
    injected.get(60, TimeUnit.SECONDS);
    chaos.fault();
    if (victim != null) {
      victim.start();
    }
    Outcome outcome;
    try {
      outcome = migration.get(3, TimeUnit.MINUTES);
    } catch (TimeoutException e) {
      chaos.client.fetchHistory("vm-" + VM).getEvents().forEach(event ->
          System.out.println("  history of vm-" + VM + ": " + event.getEventId() + " " + event.getEventType()));
      throw e;
    }
    if (fault == Fault.SOURCE_QEMU || fault == Fault.TARGET_QEMU) {
      assertEquals(1, qemusKilled, "the fault found the one QEMU it was meant for");
    }
    if (fault == Fault.TEMPORAL) {
      assertTrue(chaos.temporal.pid() != temporalBefore, "Temporal's server was restarted");
    }
    String scenario = fault.words + " SIGKILLed once " + step.words + ", " + from + " -> " + to + ": ";
    switch (expected) {
      case MOVED -> {
        assertEquals(null, outcome.failure(), () -> scenario + outcome.said());
        record(scenario + lastMigration(outcome.vm()), fault, step, to, VmState.VM_STATE_RUNNING);
      }
      case STAYED -> {
        assertTrue(outcome.failure() != null, scenario + "the migration is undone: " + outcome.said());
        assertEquals(sourcePid, chaos.get(VM).getQemuPid(), scenario + "the source's QEMU runs the VM on");
        record(scenario + outcome.said(), fault, step, from, VmState.VM_STATE_RUNNING);
      }
      case DOWN_ON_SOURCE -> {
        assertTrue(outcome.failure() != null, scenario + "the migration fails: " + outcome.said());
        record(scenario + outcome.said(), fault, step, from, awaitDown());
      }
      case DOWN_ON_TARGET -> {
        VmState state = awaitDown();
        record(scenario + outcome.said() + ", then the VM " + state + " on its new host", fault, step, to, state);
      }
    }
  }

  private static void start() {
    Vm started = chaos.vms().startVm(StartVmRequest.newBuilder().setName(VM).setWaitForReady(true).build());
    assertEquals(VmState.VM_STATE_RUNNING, started.getState(), "it starts again where it is");
  }

  @Test
  @Order(5)
  void aVmBootedFromAnImageMigratesOnTheStorageBothHostsShareAndKeepsWhatItWroteToItsDisk() throws Exception {
    String name = "cm-disk";
    TestImages.importTestDisk(chaos.images(), chaos.storage.importDir(), "cm-image");
    chaos.created(name);
    Vm booted = chaos.vms().withDeadlineAfter(4, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(name)
        .setSpec(TestImages.bootingFrom("cm-image")).setHostId(A).setStart(true).setWaitForReady(true).build());
    assertEquals(List.of(1), boots(name, 1), "its first boot, counted on its own disk (an overlay of the image)");

    Vm moved = chaos.vms().migrateVm(MigrateVmRequest.newBuilder().setName(name).setTargetHostId(B).build());
    assertEquals(B, moved.getHostId());
    assertEquals(VmState.VM_STATE_RUNNING, moved.getState());
    assertEquals(List.of(moved.getQemuPid()), chaos.qemusOf(name, B), "one QEMU holds it, on " + B);
    assertEquals(List.of(), chaos.qemusOf(name, A), "none on " + A);
    assertTrue(moved.getQemuPid() != booted.getQemuPid());

    // The disk the guest counted its first boot on is the one it boots from on B: this boot is its second.
    chaos.vms().rebootVm(RebootVmRequest.newBuilder().setName(name).build());
    assertEquals(List.of(1, 2), boots(name, 2), "the console carried over, then the boot on " + B + " counted on the same disk");
    chaos.record("a VM booted from an image (its overlay in the VMs' directory both hosts share) migrated " + A + " -> " + B + ": "
        + lastMigration(moved) + "; rebooted there, its disk counts boot 2", "none (shared storage)", name, chaos.get(name).getState(),
        VmState.VM_STATE_RUNNING, 1);
    chaos.vms().deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    assertTrue(!Files.exists(chaos.storage.vmsDir().resolve(name)), "deleted on its new host, its directory goes");
  }

  private static List<Integer> boots(String vm, int lines) throws InterruptedException {
    return TestImages.bootCounts(TestImages.awaitConsole(chaos.vms(), vm, console -> TestImages.bootCounts(console).size() >= lines,
        Duration.ofMinutes(2)));
  }

  /** Waits until the host has reported the VM's QEMU gone (its monitor's event reaches the workflow after the migration ends). */
  private static VmState awaitDown() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<VmState> seen = new ArrayList<>();
    while (System.nanoTime() < deadline) {
      VmState state = chaos.get(VM).getState();
      if (DOWN.contains(state)) {
        return state;
      }
      seen.add(state);
      Thread.sleep(200);
    }
    throw new AssertionError("the VM was not reported down within 60 s: " + seen.subList(Math.max(0, seen.size() - 5), seen.size()));
  }

  private static String console() {
    return chaos.vms().getConsoleLog(GetConsoleLogRequest.newBuilder().setName(VM).build()).getData().toString(StandardCharsets.UTF_8);
  }

  private static int occurrences(String text, String part) {
    int count = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
      count++;
    }
    return count;
  }
}
