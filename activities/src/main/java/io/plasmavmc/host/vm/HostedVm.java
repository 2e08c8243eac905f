package io.plasmavmc.host.vm;

import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.Heartbeats;
import io.plasmavmc.host.HostBusyException;
import io.plasmavmc.host.HostFullException;
import io.plasmavmc.host.HostTimings;
import io.plasmavmc.host.ObservationClock;
import io.plasmavmc.host.SpawnFailedException;
import io.plasmavmc.host.VmNotRunningException;
import io.plasmavmc.host.VmStillRunningException;
import io.plasmavmc.host.storage.FileTails;
import io.plasmavmc.host.storage.Snapshots;
import io.plasmavmc.host.vmm.GuestControl;
import io.plasmavmc.host.vmm.LaunchPlan;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import io.plasmavmc.host.vmm.VmProcess;
import io.plasmavmc.host.vmm.Vmm;
import io.plasmavmc.host.vmm.VmmEvent;
import io.plasmavmc.host.vmm.VmmException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileLock;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handle of one VM on this host, as Nomad's QEMU driver keeps a taskHandle per task: it owns
 * the VM's runtime directory, its VMM (QEMU, with its QMP connection) and the lock that lets one
 * spawn, kill or cleanup at a time change whether the VM's process runs. Every operation on the VM
 * goes through it, and every one may be repeated: a spawn finds the process that runs, a kill or a
 * cleanup finds nothing to do.
 *
 * <p>The process (pid and start time) is looked up in /proc at each use rather than kept, and how
 * it ended is recorded in the runtime directory: the process may exit at any moment, and the
 * directory is what a restarted worker, or another worker with the same host id, finds too.
 */
public final class HostedVm {
  private static final Logger log = LoggerFactory.getLogger(HostedVm.class);

  private final RuntimeDirectory dir;
  private final Vmm vmm;
  private final HostTimings timings;
  private final Object lock = new Object();

  HostedVm(RuntimeDirectory dir, Vmm vmm, HostTimings timings) {
    this.dir = dir;
    this.vmm = vmm;
    this.timings = timings;
  }

  /** Admits a VM to the host before its process starts; returns what gives the room back once it runs (or failed to). */
  @FunctionalInterface
  public interface Admission {
    Runnable admit();
  }

  public String id() {
    return dir.vmId();
  }

  public RuntimeDirectory directory() {
    return dir;
  }

  /** The VM's process if it runs now. */
  public Optional<VmProcess> process() {
    return VmProcess.find(dir);
  }

  /** The VM's process, which must run now. */
  public VmProcess running() {
    return process().orElseThrow(() -> new VmNotRunningException(id()));
  }

  /** Checks {@code spec} and works out its launch; a refused spec is refused before anything is written. */
  public LaunchPlan plan(VmSpec spec) {
    return vmm.plan(spec);
  }

  /** As {@link #plan}, for a VMM that receives the VM's state from another host (see {@link IncomingVm}). */
  public LaunchPlan planIncoming(VmSpec spec) {
    return vmm.planIncoming(spec);
  }

  /** What a spawn does about a process of the VM that runs already, and what it does before the VMM starts. */
  interface SpawnRules {
    /** Whether to re-attach to {@code running}; if not, this ended it (or throws to refuse the spawn). */
    boolean reattach(VmProcess running);

    /** In the runtime directory prepared for the VMM, before it starts. */
    void beforeStart();
  }

  /** A spawn's rules: a process that runs is the VM's, re-attached to. */
  private static final SpawnRules REATTACH = new SpawnRules() {
    @Override
    public boolean reattach(VmProcess running) {
      return true;
    }

    @Override
    public void beforeStart() {}
  };

  /**
   * Starts the VM's VMM paused from {@code plan}, or returns the process that runs (re-attached).
   * The runtime directory's flock is held meanwhile: of two workers that spawn the VM at once, the
   * second finds the first one's process. A VM refused here leaves nothing on the host.
   */
  public VmHandle spawn(LaunchPlan plan, Admission admission) {
    return spawn(plan, admission, REATTACH);
  }

  VmHandle spawn(LaunchPlan plan, Admission admission, SpawnRules rules) {
    synchronized (lock) {
      boolean created = !dir.exists();
      try (FileLock spawnLock = dir.lockForSpawn()) {
        Optional<VmProcess> running = process();
        if (running.isPresent() && rules.reattach(running.get())) {
          log.info("VM {}: pid {} already runs from {}; re-attaching", id(), running.get().pid(), dir);
          return handle(plan, running.get(), true);
        }
        Runnable release = admission.admit();
        try {
          return handle(plan, start(plan, rules), false);
        } finally {
          release.run();
        }
      } catch (SpawnFailedException | HostFullException | HostBusyException | InvalidSpecException e) { // the last: an image deleted since the plan
        if (e instanceof SpawnFailedException failed) {
          log.warn("VM {}: could not be started (error {}): {}", id(), failed.errorId(), failed.detail());
        } else {
          log.warn("VM {}: refused: {}", id(), e.getMessage());
        }
        if (created) {
          dir.delete();
        }
        throw e;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot release the spawn lock of " + dir, e);
      }
    }
  }

  private VmProcess start(LaunchPlan plan, SpawnRules rules) {
    dir.prepareForSpawn();
    rules.beforeStart();
    dir.writeSpec(plan.spec());
    long started = System.nanoTime();
    try {
      VmProcess process = vmm.spawnPaused(plan);
      timings.spawned(System.nanoTime() - started, true);
      return process;
    } catch (SpawnFailedException e) {
      timings.spawned(System.nanoTime() - started, false);
      throw e;
    }
  }

  private VmHandle handle(LaunchPlan plan, VmProcess process, boolean reattached) {
    return new VmHandle(id(), process.pid(), dir.path().toString(), plan.accelerator(), reattached, process.startTime());
  }

  /** Starts, pauses, resets the guest or presses its power button; the VM must run. */
  public VmStatus control(GuestControl control) {
    VmProcess process = running();
    try {
      return vmm.control(process, control);
    } catch (VmmException e) {
      if (e.unreachable() && process().isEmpty()) {
        throw new VmNotRunningException(id());
      }
      throw e;
    }
  }

  /** The VM's state now: its VMM's report, or how its process ended (or that none ran here). */
  public VmStatus status() {
    Optional<VmProcess> process = process();
    if (process.isEmpty()) {
      return gone();
    }
    try {
      return vmm.status(process.get());
    } catch (VmmException e) {
      if (e.unreachable() && process().isEmpty()) {
        return gone(); // it exited between the look in /proc and the question
      }
      throw e;
    }
  }

  /**
   * Ends the VM's process: the VMM's own quit, then SIGTERM, then SIGKILL, each given {@code step}
   * (SIGKILL twice that). A VM that is gone already is success.
   */
  public VmStatus kill(Duration step) {
    synchronized (lock) {
      Optional<VmProcess> found = process();
      if (found.isEmpty()) {
        vmm.close();
        return gone();
      }
      VmProcess process = found.get();
      dir.recordExitIfAbsent(RuntimeDirectory.KILLED_BY_HOST);
      long started = System.nanoTime();
      log.info("VM {}: ending pid {}", id(), process.pid());
      vmm.quit(process, step);
      String how = "quit";
      if (!process.awaitGone(step)) {
        log.warn("VM {}: pid {} still runs {} s after quit; sending SIGTERM", id(), process.pid(), step.toSeconds());
        how = signal(process, false);
        if (!process.awaitGone(step)) {
          log.warn("VM {}: pid {} ignored SIGTERM; sending SIGKILL", id(), process.pid());
          how = signal(process, true);
          if (!process.awaitGone(step.multipliedBy(2))) {
            throw new IllegalStateException("pid " + process.pid() + " of VM " + id() + " survived SIGKILL (stuck in the kernel?)");
          }
        }
      }
      vmm.close();
      log.info("VM {}: pid {} ended by {} in {} ms", id(), process.pid(), how, (System.nanoTime() - started) / 1_000_000);
      return exitOf(process);
    }
  }

  private static String signal(VmProcess process, boolean force) {
    String name = force ? "SIGKILL" : "SIGTERM";
    Heartbeats.beat(name);
    process.signal(force);
    return name;
  }

  /**
   * Waits up to {@code timeout} for the VM's process to exit, heartbeating; returns how it ended,
   * or the state when the wait ran out. The end of the VMM's control channel is the first sign of
   * an exit; /proc confirms it.
   */
  public VmStatus awaitExit(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    VmProcess watched = null;
    while (true) {
      Optional<VmProcess> live = process();
      if (live.isEmpty()) {
        vmm.close();
        VmStatus gone = gone();
        return watched == null ? gone : gone.of(watched.pid(), watched.startTime(), gone.observedAt());
      }
      watched = live.get();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return status();
      }
      Duration slice = Duration.ofNanos(Math.min(left, Duration.ofSeconds(1).toNanos()));
      try {
        Vmm.Events channel = vmm.events(watched, event -> {});
        try {
          if (channel.awaitEnded(slice)) {
            watched.awaitGone(Duration.ofNanos(Math.max(1, Math.min(left, Duration.ofSeconds(2).toNanos()))));
          }
        } finally {
          channel.close();
        }
      } catch (VmmException e) {
        log.debug("VM {}: no control channel while waiting for the exit: {}", id(), e.getMessage());
        watched.awaitGone(Duration.ofNanos(Math.min(slice.toNanos(), Duration.ofMillis(100).toNanos())));
      }
      Heartbeats.beat("waiting for pid " + watched.pid() + " to exit");
    }
  }

  /** Follows what the VMM reports of {@code process} by itself; see {@link Vmm#events}. */
  public Vmm.Events events(VmProcess process, Consumer<VmmEvent> listener) {
    return vmm.events(process, listener);
  }

  /** How {@code process} ended, as the runtime directory recorded it, numbered now. */
  private VmStatus exitOf(VmProcess process) {
    return exitOf(process.pid(), process.startTime());
  }

  /** How the VM's process {@code pid}/{@code startTime} ended, as the runtime directory recorded it, numbered now. */
  public VmStatus exitOf(long pid, long startTime) {
    return vmm.exited().of(pid, startTime, ObservationClock.next());
  }

  /** The state of a VM whose process does not run: how the last one ended, or that none ran here. */
  private VmStatus gone() {
    VmStatus gone = dir.exists() ? vmm.exited() : absent(id());
    return gone.of(0, 0, ObservationClock.next());
  }

  private static VmStatus absent(String vmId) {
    return new VmStatus(vmId, VmState.STOPPED, "", 0, false, "no QEMU and no runtime directory for this VM on this host");
  }

  /** The guest's serial console. */
  public Path console() {
    return vmm.console();
  }

  /** The host's end of the guest agent's channel. */
  public Path agent() {
    return vmm.agent();
  }

  /** The last {@code maxBytes} of the serial console (empty if there is none). */
  public ConsoleTail readConsole(int maxBytes) {
    try {
      return FileTails.tail(console(), maxBytes);
    } catch (NoSuchFileException e) {
      return new ConsoleTail(new byte[0], 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the serial log of VM " + id(), e);
    }
  }

  /** Removes the runtime directory; refuses while the process runs. A missing directory is success. */
  public void cleanup() {
    synchronized (lock) {
      refuseWhileRunning();
      vmm.close();
      dir.delete();
      log.info("VM {}: runtime directory {} removed", id(), dir);
    }
  }

  /** Removes the VM's own disks and seed; refuses while the process runs. A missing directory is success. */
  public void removeDisks() {
    synchronized (lock) {
      refuseWhileRunning();
      vmm.removeDisks();
    }
  }

  /** What stays while the process runs (its runtime directory, its disks) is not removed; call holding the lock. */
  private void refuseWhileRunning() {
    Optional<VmProcess> process = process();
    if (process.isPresent()) {
      throw new VmStillRunningException(id(), process.get().pid());
    }
  }

  /**
   * Does {@code action} with the VM's snapshots: through its VMM while its process runs, on its
   * disks otherwise, the handle's lock held meanwhile, so that no spawn or kill changes which.
   */
  public <T> T withSnapshots(VmSpec spec, Function<Snapshots, T> action) {
    synchronized (lock) {
      return action.apply(vmm.snapshots(spec, process()));
    }
  }

  /** The VM's VMM, for the steps of a migration ({@link IncomingVm}, {@link OutgoingVm}). */
  Vmm vmm() {
    return vmm;
  }

  /** Runs {@code action} holding the handle's lock: no spawn, kill or cleanup of the VM runs meanwhile. */
  <T> T locked(Supplier<T> action) {
    synchronized (lock) {
      return action.get();
    }
  }

  /** Closes the VMM's control channel; the VM runs on. */
  void close() {
    vmm.close();
  }
}
