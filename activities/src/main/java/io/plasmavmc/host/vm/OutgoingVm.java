package io.plasmavmc.host.vm;

import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.host.HostRefusedException;
import io.plasmavmc.host.vmm.GuestControl;
import io.plasmavmc.host.vmm.MigrationStatus;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import io.plasmavmc.host.vmm.VmProcess;
import io.plasmavmc.host.vmm.VmmException;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A migration's source on this host, through the VM's handle here: the transfer of the VM's state
 * started (once: the runtime directory records the migration, {@link
 * RuntimeDirectory#outgoingFile()}, before QEMU is asked and again after), followed, cancelled;
 * then the source ended once the target owns the VM, or given the guest back when the migration
 * failed. The source's QEMU is never ended while its guest runs.
 */
public final class OutgoingVm {
  private static final Logger log = LoggerFactory.getLogger(OutgoingVm.class);
  /** QEMU's run state of a source whose transfer completed: its guest stopped, its disks released to the target. */
  public static final String POSTMIGRATE = "postmigrate";
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(30);

  private final HostedVm vm;
  private final RuntimeDirectory dir;

  public OutgoingVm(HostedVm vm) {
    this.vm = vm;
    this.dir = vm.directory();
  }

  /**
   * Starts sending the VM's state to {@code uri}, unless migration {@code migrationId} started its
   * transfer already (a retry then follows that one, however it went); returns the transfer's status.
   */
  public MigrationStatus start(String migrationId, String uri, MigrationLimits limits) {
    return vm.locked(() -> {
      VmProcess process = vm.running();
      MigrationStatus now = vm.vmm().migrationStatus(process);
      if (dir.readRecord(dir.outgoingFile()).equals(Optional.of(started(migrationId))) && !now.none()) {
        log.info("VM {}: the transfer of migration {} started before: {}", vm.id(), migrationId, now.progress());
        return now;
      }
      if (now.underWay()) {
        // One operation at a time per VM: a transfer under way is this one's, asked of QEMU just before a crash.
        dir.writeRecord(dir.outgoingFile(), started(migrationId));
        return now;
      }
      dir.writeRecord(dir.outgoingFile(), migrationId + " pending");
      try {
        vm.vmm().sendState(process, uri, limits);
      } catch (VmmException refused) {
        if (refused.unreachable()) {
          throw refused;
        }
        throw HostRefusedException.migrationFailed("the source's VMM refused to send the VM: " + refused.getMessage());
      }
      dir.writeRecord(dir.outgoingFile(), started(migrationId));
      log.info("VM {}: QEMU pid {} sends the VM to {} (migration {}, at most {} MiB/s, {} ms of downtime)", vm.id(), process.pid(), uri,
          migrationId, limits.maxBandwidthMibps(), limits.maxDowntimeMs());
      return vm.vmm().migrationStatus(process);
    });
  }

  public MigrationStatus status() {
    return vm.vmm().migrationStatus(vm.running());
  }

  /** Cancels the transfer under way and waits (bounded) until QEMU says it ended; the guest runs on here. */
  public MigrationStatus cancel() {
    VmProcess process = vm.running();
    MigrationStatus now = vm.vmm().migrationStatus(process);
    if (!now.underWay()) {
      return now;
    }
    log.info("VM {}: cancelling its transfer ({})", vm.id(), now.progress());
    vm.vmm().cancelMigration(process);
    long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
    while (now.underWay() && System.nanoTime() < deadline) {
      pause();
      now = vm.vmm().migrationStatus(process);
    }
    return now;
  }

  /**
   * Ends the source once the target owns the VM: its QEMU (stopped in postmigrate by migration
   * {@code migrationId}) and its runtime directory. Refuses while its guest runs; a source gone is success.
   */
  public void end(String migrationId, Duration killStep) {
    vm.locked(() -> {
      Optional<VmProcess> process = vm.process();
      if (process.isPresent()) {
        String runState = vm.status().qemuRunState();
        if (!POSTMIGRATE.equals(runState) || !dir.readRecord(dir.outgoingFile()).equals(Optional.of(started(migrationId)))) {
          throw HostRefusedException.migrationFailed("VM " + vm.id() + "'s QEMU on the source host is " + runState
              + ", not stopped by migration " + migrationId + ": it is not ended");
        }
        vm.kill(killStep);
      }
      vm.cleanup();
      log.info("VM {}: the source of migration {} ended and its runtime directory removed; its disks stay", vm.id(), migrationId);
      return null;
    });
  }

  /**
   * Gives the guest back to the source after a failed migration whose target is aborted: a
   * transfer still under way is cancelled; a source that completed its transfer (postmigrate)
   * runs again if {@code run}. Returns the source's status (how it ended, if its QEMU is gone).
   */
  public VmStatus resume(String migrationId, boolean run) {
    return vm.locked(() -> {
      if (vm.process().isEmpty()) {
        return vm.status();
      }
      cancel();
      VmStatus now = vm.status();
      if (POSTMIGRATE.equals(now.qemuRunState()) && run) {
        log.info("VM {}: migration {} failed after its transfer; the source's guest runs again", vm.id(), migrationId);
        now = vm.control(GuestControl.START);
      }
      dir.remove(dir.outgoingFile());
      return now;
    });
  }

  private static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a cancelled transfer to end", e);
    }
  }

  private static String started(String migrationId) {
    return migrationId + " started";
  }
}
