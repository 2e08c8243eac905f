package io.plasmavmc.host.vm;

import io.plasmavmc.contract.host.TargetAbort;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.host.HostRefusedException;
import io.plasmavmc.host.vmm.GuestControl;
import io.plasmavmc.host.vmm.LaunchPlan;
import io.plasmavmc.host.vmm.MigrationStatus;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import io.plasmavmc.host.vmm.VmProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A migration's target on this host, through the VM's handle here: a QEMU started to receive the
 * VM's state, listening for it, then either finished (the source's console carried over, the
 * guest let run: from then on it is the VM's own QEMU) or aborted (ended, its runtime directory
 * removed). Until it is finished the runtime directory names the migration ({@link
 * RuntimeDirectory#incomingFile()}): that is how a retried step finds its own QEMU, how an abort
 * tells it from the VM's own, and how a QEMU of the VM that runs here for another reason (the VM
 * itself, on a host that shares this one's runtime directory) is refused rather than taken.
 */
public final class IncomingVm {
  private static final Logger log = LoggerFactory.getLogger(IncomingVm.class);

  private final HostedVm vm;
  private final RuntimeDirectory dir;

  public IncomingVm(HostedVm vm) {
    this.vm = vm;
    this.dir = vm.directory();
  }

  /**
   * Starts the target's QEMU from {@code plan} (see {@link HostedVm#planIncoming}), or returns the
   * one migration {@code migrationId} started already. A QEMU an earlier migration left waiting
   * here is ended first; one that is the VM's own refuses the migration.
   */
  public VmHandle spawn(LaunchPlan plan, HostedVm.Admission admission, String migrationId, Duration killStep) {
    return vm.spawn(plan, admission, new HostedVm.SpawnRules() {
      @Override
      public boolean reattach(VmProcess running) {
        Optional<String> marked = migration();
        if (marked.isEmpty()) {
          throw HostRefusedException.migrationUnsupported("VM " + vm.id() + " runs on the target host already (QEMU pid "
              + running.pid() + "), not as a migration's target: it cannot migrate there");
        }
        if (marked.get().equals(migrationId)) {
          return true;
        }
        log.warn("VM {}: QEMU pid {} of an earlier migration ({}) still waits here; ending it for migration {}", vm.id(), running.pid(),
            marked.get(), migrationId);
        vm.kill(killStep);
        return false;
      }

      @Override
      public void beforeStart() {
        dir.remove(dir.serialLog()); // QEMU appends to it: the source's console goes in first, at the finish
        dir.writeRecord(dir.incomingFile(), migrationId);
      }
    });
  }

  /** Listens for the VM's state on {@code address}; returns where the source sends it. Repeated, the same. */
  public String listen(String migrationId, String address) {
    return vm.locked(() -> {
      VmProcess process = waiting(migrationId);
      String uri = vm.vmm().listenForState(process, address);
      log.info("VM {}: QEMU pid {} listens for migration {} on {}", vm.id(), process.pid(), migrationId, uri);
      return uri;
    });
  }

  /**
   * Once the VM's state arrived: the source's console ({@code console}) goes first into the serial
   * log, then the guest runs if {@code run}, and the QEMU is the VM's own. Repeated, it finds that done.
   */
  public VmStatus finish(String migrationId, byte[] console, boolean run) {
    return vm.locked(() -> {
      if (migration().isEmpty() && vm.process().isPresent()) {
        return vm.status(); // finished by an earlier attempt: the VM's own QEMU now
      }
      VmProcess process = waiting(migrationId);
      MigrationStatus received = vm.vmm().migrationStatus(process);
      if (!received.completed()) {
        throw HostRefusedException.migrationFailed("the target has not received the VM's state (its incoming migration is "
            + (received.none() ? "not under way" : received.status()) + ")");
      }
      carryConsole(console);
      VmStatus status = run ? vm.control(GuestControl.START) : vm.status();
      dir.remove(dir.incomingFile());
      log.info("VM {}: QEMU pid {} took the VM over from migration {} ({})", vm.id(), process.pid(), migrationId, status.qemuRunState());
      return status;
    });
  }

  /** Ends the QEMU of migration {@code migrationId} and removes its runtime directory, unless it is the VM's own already. */
  public TargetAbort abort(String migrationId, Duration killStep) {
    return vm.locked(() -> {
      Optional<String> marked = migration();
      if (marked.isEmpty()) {
        return vm.process().isPresent() ? TargetAbort.TARGET_OWNS_VM : TargetAbort.NOTHING_THERE;
      }
      if (!marked.get().equals(migrationId)) {
        return TargetAbort.NOTHING_THERE; // another migration's: the next one to come here ends it
      }
      vm.kill(killStep);
      vm.cleanup();
      log.info("VM {}: the target of migration {} ended and its runtime directory removed", vm.id(), migrationId);
      return TargetAbort.ABORTED;
    });
  }

  private Optional<String> migration() {
    return dir.readRecord(dir.incomingFile());
  }

  /** The QEMU of migration {@code migrationId}, which must still wait here. */
  private VmProcess waiting(String migrationId) {
    if (!migration().map(migrationId::equals).orElse(false)) {
      throw HostRefusedException.migrationFailed("no QEMU of migration " + migrationId + " waits for VM " + vm.id() + " on this host");
    }
    return vm.process().orElseThrow(() -> HostRefusedException.migrationFailed(
        "the QEMU that was to receive VM " + vm.id() + " on this host is gone"));
  }

  /** The source's console, in front of whatever the guest writes here; not twice (a retried finish finds the log written). */
  private void carryConsole(byte[] console) {
    if (console == null || console.length == 0) {
      return;
    }
    try {
      if (Files.exists(dir.serialLog()) && Files.size(dir.serialLog()) > 0) {
        return;
      }
      Files.write(dir.serialLog(), console, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot carry the source's console of VM " + vm.id() + " over", e);
    }
  }
}
