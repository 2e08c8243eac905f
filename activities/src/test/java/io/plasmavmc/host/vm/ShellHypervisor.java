package io.plasmavmc.host.vm;

import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.ObservationClock;
import io.plasmavmc.host.SpawnFailedException;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.storage.DiskLayout;
import io.plasmavmc.host.storage.Snapshots;
import io.plasmavmc.host.vmm.GuestControl;
import io.plasmavmc.host.vmm.Hypervisor;
import io.plasmavmc.host.vmm.LaunchPlan;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import io.plasmavmc.host.vmm.VmProcess;
import io.plasmavmc.host.vmm.Vmm;
import io.plasmavmc.host.vmm.VmmEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A second hypervisor, for tests of what the host does with any VMM: its "VMM" is a shell loop
 * whose command line names the runtime directory, as a real VMM's does. Its guest's state lives in
 * memory; it ignores a polite quit (the handle's kill goes on to SIGTERM, which ends it), and its
 * control channel ends when the process does.
 */
final class ShellHypervisor implements Hypervisor {
  private final List<Process> started = new CopyOnWriteArrayList<>();
  private final Map<String, String> runStates = new ConcurrentHashMap<>();

  @Override
  public Vmm open(RuntimeDirectory dir) {
    return new ShellVmm(dir);
  }

  /** Ends every process it started (a test's clean-up). */
  void killAll() {
    started.forEach(Process::destroyForcibly);
  }

  /** A process of this hypervisor for {@code dir}, started outside any handle (as a restarted worker finds one). */
  long startOutside(RuntimeDirectory dir) {
    dir.prepareForSpawn();
    return startIn(dir).pid();
  }

  private VmProcess startIn(RuntimeDirectory dir) {
    try {
      Process process = new ProcessBuilder("sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done", dir.path() + "/")
          .redirectErrorStream(true).redirectOutput(dir.stderrLog().toFile()).start();
      started.add(process);
      Files.writeString(dir.pidFile(), Long.toString(process.pid()));
      runStates.put(dir.vmId(), "prelaunch");
      return new VmProcess(process.pid(), LinuxProcesses.startTime(process.pid()), dir.path());
    } catch (IOException e) {
      throw new SpawnFailedException("the shell would not start", e.getMessage(), e);
    }
  }

  private final class ShellVmm implements Vmm {
    private final RuntimeDirectory dir;

    ShellVmm(RuntimeDirectory dir) {
      this.dir = dir;
    }

    @Override
    public LaunchPlan plan(VmSpec spec) {
      spec.validate();
      return new LaunchPlan(spec, spec.accelerator().resolve(false), List.of("sh", "-c", "a shell loop", dir.path() + "/"));
    }

    @Override
    public VmProcess spawnPaused(LaunchPlan plan) {
      dir.writeCommandLine(plan.command());
      return startIn(dir);
    }

    @Override
    public VmStatus control(VmProcess process, GuestControl control) {
      runStates.put(dir.vmId(), switch (control) {
        case START, RESET -> "running";
        case PAUSE -> "paused";
        case POWER_BUTTON -> runStates.get(dir.vmId());
      });
      return status(process);
    }

    @Override
    public VmStatus status(VmProcess process) {
      String runState = runStates.getOrDefault(dir.vmId(), "running");
      VmState state = switch (runState) {
        case "prelaunch" -> VmState.CREATED;
        case "paused" -> VmState.PAUSED;
        default -> VmState.RUNNING;
      };
      return new VmStatus(dir.vmId(), state, runState, process.pid(), true, "the shell runs")
          .of(process.pid(), process.startTime(), ObservationClock.next());
    }

    @Override
    public void quit(VmProcess process, Duration timeout) {
      // no quit of its own: the handle's kill sends SIGTERM
    }

    @Override
    public Events events(VmProcess process, Consumer<VmmEvent> listener) {
      CompletableFuture<Void> ended = ProcessHandle.of(process.pid()).map(ProcessHandle::onExit)
          .orElse(CompletableFuture.completedFuture(null)).thenApply(gone -> null);
      return new Events() {
        @Override
        public CompletableFuture<Void> ended() {
          return ended;
        }

        @Override
        public boolean awaitEnded(Duration timeout) {
          try {
            ended.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
          } catch (TimeoutException e) {
            return false;
          } catch (ExecutionException | InterruptedException e) {
            return true;
          }
        }

        @Override
        public void close() {}

        @Override
        public void disconnect() {}
      };
    }

    @Override
    public Path console() {
      return dir.serialLog();
    }

    @Override
    public Path agent() {
      return dir.socket("agent.sk");
    }

    @Override
    public VmStatus exited() {
      return dir.exitReason()
          .map(reason -> new VmStatus(dir.vmId(), VmState.STOPPED, "", 0, false, "the shell ended: " + reason))
          .orElseGet(() -> new VmStatus(dir.vmId(), VmState.CRASHED, "", 0, false, "the shell died"));
    }

    @Override
    public void close() {}

    @Override
    public void removeDisks() {
      // a shell loop has no disks
    }

    @Override
    public Snapshots snapshots(VmSpec spec, Optional<VmProcess> running) {
      return Snapshots.of(DiskLayout.NONE, disks -> {
        throw new IllegalStateException("a VM without disks has no snapshot backend");
      });
    }
  }
}
