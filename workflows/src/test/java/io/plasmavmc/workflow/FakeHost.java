package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.host.GuestExecResult;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * An in-memory host for workflow tests under time skipping, where a real guest cannot keep up with
 * virtual time. It keeps QEMU's observable behaviour: run states, a graceful guest that exits on
 * the power button (after {@code powerdownDelay}), a stubborn one that never does. The same
 * lifecycle runs against real QEMU in the gateway's end-to-end tests.
 */
final class FakeHost implements HostActivities {
  private final Map<String, String> runState = new ConcurrentHashMap<>();
  private final Map<String, Long> pids = new ConcurrentHashMap<>();
  private final AtomicLong nextPid;
  final AtomicInteger spawns = new AtomicInteger();
  /** The VMs spawned, one entry per spawn, in order. */
  final List<String> spawned = new CopyOnWriteArrayList<>();
  final AtomicInteger kills = new AtomicInteger();
  final AtomicInteger powerdowns = new AtomicInteger();
  final AtomicInteger resets = new AtomicInteger();
  final AtomicInteger cleanups = new AtomicInteger();
  volatile boolean stubborn;
  volatile Duration powerdownDelay = Duration.ZERO;
  volatile String refusedPath;
  volatile boolean full;

  FakeHost() {
    this(1000);
  }

  /** A host whose QEMUs get pids after {@code firstPid}: two hosts of a test never share one. */
  FakeHost(long firstPid) {
    this.nextPid = new AtomicLong(firstPid);
  }

  /** A migration's target: a new QEMU of the VM, waiting for its state (run state inmigrate); its pid. */
  long receive(String vmId) {
    long pid = nextPid.incrementAndGet();
    pids.put(vmId, pid);
    runState.put(vmId, "inmigrate");
    return pid;
  }

  String runState(String vmId) {
    return runState.get(vmId);
  }

  /** QEMU's run state now {@code state}, as a migration's step leaves it. */
  void setRunState(String vmId, String state) {
    runState.put(vmId, state);
  }

  VmHandle handle(String vmId, boolean reattached) {
    return new VmHandle(vmId, pids.get(vmId), "/run/" + vmId, Accelerator.TCG, reattached, startTime(pids.get(vmId)));
  }

  boolean alive(String vmId) {
    return runState.containsKey(vmId);
  }

  @Override
  public VmHandle spawn(String vmId, VmSpec spec) {
    if (refusedPath != null && refusedPath.equals(spec.kernel())) {
      throw ApplicationFailure.newNonRetryableFailure("spec.kernel: must be inside the image roots", FailureReasons.INVALID_SPEC);
    }
    if (full) {
      throw ApplicationFailure.newNonRetryableFailure("this host runs its limit of 1 VMs (max VMs)", FailureReasons.HOST_FULL);
    }
    if (spawnFailuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw ApplicationFailure.newNonRetryableFailure("QEMU exited at start (fake) (error 0badf00d: the host worker's log has the details)", FailureReasons.SPAWN_FAILED);
    }
    if (alive(vmId)) {
      return new VmHandle(vmId, pids.get(vmId), "/run/" + vmId, Accelerator.TCG, true, startTime(pids.get(vmId)));
    }
    spawns.incrementAndGet();
    spawned.add(vmId);
    long pid = nextPid.incrementAndGet();
    pids.put(vmId, pid);
    runState.put(vmId, "prelaunch");
    return new VmHandle(vmId, pid, "/run/" + vmId, Accelerator.TCG, false, startTime(pid));
  }

  private VmStatus set(String vmId, String state) {
    if (!alive(vmId)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + vmId + " has no running QEMU", FailureReasons.VM_NOT_RUNNING);
    }
    runState.put(vmId, state);
    return queryStatus(vmId);
  }

  @Override
  public VmStatus spawnAndStart(String vmId, VmSpec spec) {
    spawn(vmId, spec);
    return cont(vmId);
  }

  /** The next cont times out as a hung QEMU's monitor does, after QEMU was started (a creation that fails with a QEMU up). */
  volatile boolean contTimesOut;

  @Override
  public VmStatus cont(String vmId) {
    if (contTimesOut) {
      contTimesOut = false;
      throw ApplicationFailure.newNonRetryableFailure("QMP cont: no answer within 5 s (fake)", FailureReasons.QMP_TIMEOUT);
    }
    return set(vmId, "running");
  }

  /** Runs after pause has observed its result and before it returns (a QEMU that dies just then). */
  volatile Runnable afterPause;

  @Override
  public VmStatus pause(String vmId) {
    VmStatus paused = set(vmId, "paused");
    Runnable after = afterPause;
    if (after != null) {
      afterPause = null;
      after.run();
    }
    return paused;
  }

  @Override
  public VmStatus reset(String vmId) {
    resets.incrementAndGet();
    return queryStatus(vmId);
  }

  @Override
  public VmStatus powerdown(String vmId) {
    powerdowns.incrementAndGet();
    VmStatus status = queryStatus(vmId);
    if (!stubborn) {
      Thread exit = new Thread(() -> {
        try {
          Thread.sleep(powerdownDelay.toMillis());
        } catch (InterruptedException ignored) {
          // exit now
        }
        runState.remove(vmId);
      });
      exit.setDaemon(true);
      exit.start();
    }
    return status;
  }

  /** Like the real host, every observation names its QEMU instance and is numbered in the order it was made. */
  private final AtomicLong observations = new AtomicLong();

  long startTime(long pid) {
    return pid * 10;
  }

  VmStatus observed(VmStatus status, long pid) {
    return status.of(pid, pid == 0 ? 0 : startTime(pid), observations.incrementAndGet());
  }

  @Override
  public VmStatus queryStatus(String vmId) {
    String state = runState.get(vmId);
    if (state == null) {
      return observed(new VmStatus(vmId, VmState.STOPPED, "", 0, false, "the guest powered off"), pids.getOrDefault(vmId, 0L));
    }
    VmState mapped = switch (state) {
      case "prelaunch" -> VmState.CREATED;
      case "paused", "inmigrate", "postmigrate" -> VmState.PAUSED;
      default -> VmState.RUNNING;
    };
    return observed(new VmStatus(vmId, mapped, state, pids.get(vmId), true, "fake " + state), pids.get(vmId));
  }

  @Override
  public VmStatus kill(String vmId) {
    if (alive(vmId)) {
      kills.incrementAndGet();
      runState.remove(vmId);
    }
    return observed(new VmStatus(vmId, VmState.STOPPED, "", 0, false, "stopped by PlasmaVMC (QEMU was ended)"), pids.getOrDefault(vmId, 0L));
  }

  /**
   * Waits at most {@link #WAIT_LIMIT} of real time, then reports the guest still running, as the
   * real awaitExit does when its wait ends. (A running activity holds the test server's clock, so
   * a fake that waited out the whole timeout in real time would keep time skipping from working.)
   */
  static final Duration WAIT_LIMIT = Duration.ofSeconds(2);

  @Override
  public VmStatus awaitExit(String vmId, Duration timeout) {
    heartbeatWhile(() -> alive(vmId), min(timeout, WAIT_LIMIT));
    return queryStatus(vmId);
  }

  /**
   * The fakes' waits: heartbeats while {@code waiting} holds, for at most {@code limit} of real
   * time. The heartbeat throws once the workflow cancels the activity, as a real wait's does.
   */
  private static void heartbeatWhile(BooleanSupplier waiting, Duration limit) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (waiting.getAsBoolean() && System.nanoTime() < deadline) {
      Activity.getExecutionContext().heartbeat(null);
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  final AtomicInteger monitors = new AtomicInteger();

  /**
   * How long a monitor watches its QEMU in real time at most. Zero (the default): it returns at
   * once, as a real one that cannot watch does, because a monitor that blocked would hold the test
   * server's clock (see awaitExit); tests send the monitor's signals themselves. A test that
   * cancels monitors sets it: a monitor that ends by itself just as the workflow cancels it makes
   * the in-memory test server refuse the workflow task (ACTIVITY_UNKNOWN; a real server records
   * the request) and the workflow waits out the task's 10 s timeout.
   */
  volatile Duration monitorWatchLimit = Duration.ZERO;

  @Override
  public VmStatus monitor(String vmId, long pid, long startTime) {
    monitors.incrementAndGet();
    heartbeatWhile(() -> alive(vmId) && pid(vmId) == pid, monitorWatchLimit);
    return queryStatus(vmId);
  }

  @Override
  public Map<String, Long> runningQemus() {
    Map<String, Long> running = new TreeMap<>();
    pids.forEach((vmId, pid) -> {
      if (alive(vmId)) {
        running.put(vmId, pid);
      }
    });
    return running;
  }

  long pid(String vmId) {
    return pids.getOrDefault(vmId, 0L);
  }

  void vanish(String vmId) {
    runState.remove(vmId);
  }

  @Override
  public ConsoleTail readConsole(String vmId, int maxBytes) {
    byte[] log = ("console of " + vmId + "\n").getBytes(StandardCharsets.UTF_8);
    int length = Math.min(log.length, maxBytes);
    return new ConsoleTail(Arrays.copyOfRange(log, log.length - length, log.length), log.length);
  }

  /**
   * How long a console wait lasts in real time at most (see {@link #WAIT_LIMIT}); longer where a
   * test must not see it end by itself while it acts on the wait.
   */
  volatile Duration consoleWaitLimit = WAIT_LIMIT;

  /** The next spawns that fail the way a QEMU that cannot start does (infrastructure, not the guest). */
  final AtomicInteger spawnFailuresLeft = new AtomicInteger();
  /** Every guest prints the readiness marker (and whatever else a console expectation looks for). */
  volatile boolean allGuestsReady;

  /** VMs whose guest prints the readiness marker on its console. */
  final Set<String> readyGuests = ConcurrentHashMap.newKeySet();
  final AtomicInteger consoleWaits = new AtomicInteger();
  /** A permit per console wait begun, for tests that wait for one to begin. */
  final Semaphore consoleWaitStarted = new Semaphore(0);
  final List<Long> consoleOffsets = new CopyOnWriteArrayList<>();

  /** Matches at once for a guest in {@link #readyGuests}; otherwise waits like awaitExit, at most {@link #WAIT_LIMIT}. */
  @Override
  public ProbeResult awaitConsole(String vmId, String pattern, long fromOffset, Duration timeout) {
    consoleWaits.incrementAndGet();
    consoleOffsets.add(fromOffset);
    consoleWaitStarted.release();
    BooleanSupplier printed = () -> (allGuestsReady || readyGuests.contains(vmId)) && alive(vmId);
    heartbeatWhile(() -> !printed.getAsBoolean(), min(timeout, consoleWaitLimit));
    return printed.getAsBoolean()
        ? new ProbeResult(true, pattern + " (fake)", System.currentTimeMillis())
        : ProbeResult.none();
  }

  /** VMs whose guest runs an agent that answers. */
  final Set<String> agentGuests = ConcurrentHashMap.newKeySet();
  final AtomicInteger agentShutdowns = new AtomicInteger();

  @Override
  public ProbeResult awaitAgent(String vmId, Duration timeout) {
    return agentGuests.contains(vmId) && alive(vmId)
        ? new ProbeResult(true, "the guest agent answered guest-sync (fake)", System.currentTimeMillis())
        : ProbeResult.none();
  }

  /** An agent guest powers off like a graceful one pressed by the button. */
  @Override
  public boolean agentShutdown(String vmId) {
    if (!agentGuests.contains(vmId) || !alive(vmId)) {
      return false;
    }
    agentShutdowns.incrementAndGet();
    runState.remove(vmId);
    return true;
  }

  @Override
  public void cleanup(String vmId) {
    cleanups.incrementAndGet();
    lifecycle.add("cleanup " + vmId);
    pids.remove(vmId);
  }

  /** What happened to VMs' consoles and runtime directories, in order: "archive VM (run RUN)", "cleanup VM". */
  final List<String> lifecycle = new CopyOnWriteArrayList<>();
  /** The consoles kept, by "run/vm". */
  private final Map<String, byte[]> archived = new ConcurrentHashMap<>();
  /** The next archive attempts that fail as a host whose disk is full does (retried, then given up). */
  final AtomicInteger archiveFailuresLeft = new AtomicInteger();

  @Override
  public long archiveConsole(String vmId, String runId, String vmName, int maxBytes) {
    lifecycle.add("archive " + vmName + " (run " + runId + ")");
    if (archiveFailuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw ApplicationFailure.newFailure("cannot keep the console (fake: disk full)", "UncheckedIOException");
    }
    byte[] kept = readConsole(vmId, maxBytes).data();
    archived.put(runId + "/" + vmName, kept);
    return kept.length;
  }

  @Override
  public ConsoleTail readArchivedConsole(String runId, String vmName, int maxBytes) {
    byte[] kept = archived.get(runId + "/" + vmName);
    if (kept == null) {
      throw ApplicationFailure.newNonRetryableFailure("this host keeps no console of " + vmName, FailureReasons.CONSOLE_NOT_KEPT);
    }
    int length = Math.min(kept.length, maxBytes);
    return new ConsoleTail(Arrays.copyOfRange(kept, kept.length - length, kept.length), kept.length);
  }

  /** Guest commands exit with this code (the fake guest has an agent). */
  volatile int execExitCode;

  @Override
  public GuestExecResult guestExec(String vmId, GuestCommand command) {
    if (!alive(vmId)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + vmId + " has no running QEMU", FailureReasons.VM_NOT_RUNNING);
    }
    return new GuestExecResult(GuestExecResult.Outcome.EXITED, execExitCode, "", "");
  }

  /** The VMs whose own disks were removed, in order. */
  final List<String> disksRemoved = new CopyOnWriteArrayList<>();

  @Override
  public void removeDisks(String vmId) {
    if (alive(vmId)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + vmId + " still runs", FailureReasons.VM_STILL_RUNNING);
    }
    disksRemoved.add(vmId);
    snapshots.remove(vmId);
  }

  /** A snapshot as the fake's disks hold it: what the host reports of it, and the run state QEMU had then. */
  private record Held(Snapshot snapshot, String runState) {}

  /** Each VM's snapshots by name, oldest first, as its qcow2 disks would hold them. */
  private final Map<String, Map<String, Held>> snapshots = new ConcurrentHashMap<>();
  /** The job id of every attempt of a snapshot activity, in order. */
  final List<String> snapshotJobs = new CopyOnWriteArrayList<>();
  /** The next snapshot activity attempts that fail as a worker that died mid-job does (retried). */
  final AtomicInteger snapshotAttemptsLost = new AtomicInteger();

  private Map<String, Held> held(String vmId) {
    return snapshots.computeIfAbsent(vmId, id -> new LinkedHashMap<>());
  }

  /** A snapshot the VM's disks hold without its workflow having taken it (disks kept from before). */
  void holdSnapshot(String vmId, String name) {
    held(vmId).put(name, new Held(new Snapshot(name, Instant.now(), false, 0), null));
  }

  /** Every attempt notes its job; a lost one fails after that, as its worker would have died with the job started. */
  private void job(String jobId) {
    snapshotJobs.add(jobId);
    if (snapshotAttemptsLost.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw ApplicationFailure.newFailure("the worker died during job " + jobId + " (fake)", "WorkerLost");
    }
  }

  @Override
  public synchronized Snapshot takeSnapshot(String vmId, VmSpec spec, String name, String jobId) {
    job(jobId);
    if (spec.disks().stream().noneMatch(DiskSpec::owned)) {
      throw ApplicationFailure.newNonRetryableFailure("no qcow2 disk of its own", FailureReasons.SNAPSHOT_UNSUPPORTED);
    }
    if (held(vmId).containsKey(name)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + vmId + " has a snapshot " + name, FailureReasons.SNAPSHOT_EXISTS);
    }
    String state = runState.get(vmId);
    boolean withMemory = "running".equals(state) || "paused".equals(state);
    Snapshot taken = new Snapshot(name, Instant.now(), withMemory, withMemory ? spec.memoryMib() * 1024L * 1024 / 4 : 0);
    held(vmId).put(name, new Held(taken, state));
    return taken;
  }

  @Override
  public synchronized VmStatus restoreSnapshot(String vmId, VmSpec spec, String name, String jobId) {
    job(jobId);
    Held held = held(vmId).get(name);
    if (held == null) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + vmId + " has no snapshot " + name, FailureReasons.SNAPSHOT_NOT_FOUND);
    }
    if (alive(vmId)) {
      if (!held.snapshot().withMemory()) {
        throw ApplicationFailure.newNonRetryableFailure("a disk-only snapshot while QEMU runs", FailureReasons.SNAPSHOT_UNSUPPORTED);
      }
      runState.put(vmId, held.runState());
    }
    return queryStatus(vmId);
  }

  @Override
  public synchronized void deleteSnapshot(String vmId, VmSpec spec, String name, String jobId) {
    job(jobId);
    held(vmId).remove(name);
  }

  @Override
  public synchronized List<Snapshot> listSnapshots(String vmId, VmSpec spec) {
    return held(vmId).values().stream().map(Held::snapshot).toList();
  }
}
