package io.plasmavmc.bench;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One guest migrated back and forth between the two hosts: created and booted on host A, then
 * {@code repeats} MigrateVm calls, each to the host it is not on, each timed by the client and
 * its figures read from the VM's migrate operation; deleted after. A migration that fails ends the
 * series: a guest that does not converge costs the transfer's whole limit (10 minutes) each time.
 */
final class MigrationSeries {
  /** The transfer may take its limit (MigrationLimits.DEFAULT_TIMEOUT, 10 minutes); its other steps take seconds. */
  private static final Duration MIGRATE_DEADLINE = Duration.ofMinutes(13);
  private static final Duration CREATE_DEADLINE = Duration.ofMinutes(5);
  private static final Duration CALL_DEADLINE = Duration.ofMinutes(2);
  static final String DIRTYING = "guest: dirtying";

  /**
   * What is migrated: a guest of {@code memoryMib}, rewriting {@code dirtyMib} of it in a loop (0:
   * idle), with that downtime limit and bandwidth cap (MiB/s).
   */
  record Guest(int memoryMib, int dirtyMib, int maxDowntimeMs, int maxBandwidthMibps) {
    String label() {
      return memoryMib + " MiB" + (dirtyMib > 0 ? ", dirtying " + dirtyMib + " MiB" : ", idle");
    }

    String name() {
      return "mig-" + memoryMib + (dirtyMib > 0 ? "-dirty-" + dirtyMib : "") + "-" + maxDowntimeMs + "-" + maxBandwidthMibps;
    }

    VmSpec spec() {
      return VmSpec.newBuilder().setMemoryMib(memoryMib).setVcpus(1).setAccelerator(Accelerator.ACCELERATOR_TCG)
          .setKernel(TestGuest.kernel().toString()).setInitrd(TestGuest.graceful().toString())
          .setKernelCmdline(TestGuest.CMDLINE + (dirtyMib > 0 ? " plasmavmc.dirty_mib=" + dirtyMib : "")).setNoNetwork(true)
          .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER).setTimeoutSeconds(300)).build();
    }
  }

  /** One migration that completed: the client's wall time of MigrateVm and the operation's figures. */
  record Sample(double wallMs, MigrationFigures figures) {}

  /** {@code dirtying}: the dirtying guest's own line on how fast it writes ("" for an idle guest). */
  record Result(Guest guest, int tried, List<Sample> samples, List<String> failures, String dirtying) {
    boolean allCompleted() {
      return failures.isEmpty() && samples.size() == tried;
    }

    long withinDowntimeLimit() {
      return samples.stream().filter(s -> s.figures().downtimeMs() <= guest.maxDowntimeMs()).count();
    }

    List<Double> walls() {
      return samples.stream().map(Sample::wallMs).toList();
    }
  }

  private MigrationSeries() {}

  static Result run(TwoHosts hosts, Guest guest, int repeats) throws InterruptedException {
    String name = guest.name();
    List<Sample> samples = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    int tried = 0;
    String dirtying = "";
    try {
      Vm vm = hosts.vms(CREATE_DEADLINE).createVm(CreateVmRequest.newBuilder().setName(name).setSpec(guest.spec()).setHostId(TwoHosts.A)
          .setStart(true).setWaitForReady(true).build());
      if (guest.dirtyMib() > 0) {
        // The guest prints this once its first round is written, and goes straight on to the next:
        // from here the transfer meets a guest already writing.
        dirtying = awaitConsole(hosts, name, DIRTYING);
      }
      String on = vm.getHostId();
      for (int i = 0; i < repeats; i++) {
        String to = on.equals(TwoHosts.A) ? TwoHosts.B : TwoHosts.A;
        tried++;
        long began = System.nanoTime();
        try {
          Vm moved = hosts.vms(MIGRATE_DEADLINE).migrateVm(MigrateVmRequest.newBuilder().setName(name).setTargetHostId(to)
              .setMaxDowntimeMs(guest.maxDowntimeMs()).setMaxBandwidthMibps(guest.maxBandwidthMibps()).setRequestId(name + "-" + i).build());
          double wall = (System.nanoTime() - began) / 1e6;
          Optional<MigrationFigures> figures = MigrationFigures.lastOf(moved);
          if (!moved.getHostId().equals(to) || moved.getState() != VmState.VM_STATE_RUNNING || figures.isEmpty()) {
            failures.add("migration " + (i + 1) + " answered " + moved.getState() + " on " + moved.getHostId() + ", last operation "
                + lastOperation(moved));
            break;
          }
          samples.add(new Sample(wall, figures.get()));
          on = to;
        } catch (StatusRuntimeException e) {
          failures.add(String.format("migration %d to %s failed after %.1f s: %s", i + 1, to, (System.nanoTime() - began) / 1e9,
              e.getStatus()));
          break;
        }
      }
    } catch (StatusRuntimeException e) {
      failures.add("the guest did not boot: " + e.getStatus());
    } catch (IllegalStateException e) {
      failures.add(e.getMessage());
    } finally {
      delete(hosts, name);
    }
    return new Result(guest, tried, samples, failures, dirtying);
  }

  private static String lastOperation(Vm vm) {
    int n = vm.getRecentOperationsCount();
    return n == 0 ? "none" : vm.getRecentOperations(n - 1).getName() + ": " + vm.getRecentOperations(n - 1).getOutcome();
  }

  /**
   * Waits until the guest's console shows {@code text}; returns its line. Three minutes at most:
   * the guest prints it once its first round is written (seconds under TCG, more on a busy machine).
   */
  private static String awaitConsole(TwoHosts hosts, String name, String text) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline) {
      String console = hosts.vms(CALL_DEADLINE).getConsoleLog(GetConsoleLogRequest.newBuilder().setName(name).build()).getData()
          .toString(StandardCharsets.UTF_8);
      int at = console.indexOf(text);
      if (at >= 0 && console.indexOf('\n', at) > at) {
        return console.substring(at, console.indexOf('\n', at)).strip();
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException(name + ": the guest's console did not show \"" + text + "\" within 3 minutes");
  }

  /** Deleted (its QEMU ended), wherever it is; best effort, the run's clean-up ends what is left. */
  private static void delete(TwoHosts hosts, String name) {
    try {
      hosts.vms(CALL_DEADLINE).deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    } catch (StatusRuntimeException e) {
      System.out.println("bench-migration: " + name + " not deleted: " + e.getStatus());
    }
  }

  /** The default downtime limit a request without one gets. */
  static int defaultDowntimeMs() {
    return MigrateRequest.DEFAULT_MAX_DOWNTIME_MS;
  }

  /** The default bandwidth cap a request without one gets. */
  static int defaultBandwidthMibps() {
    return MigrateRequest.DEFAULT_MAX_BANDWIDTH_MIBPS;
  }
}
