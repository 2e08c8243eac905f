package io.plasmavmc.host.vmm;

import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.storage.Snapshots;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One VM's virtual machine monitor, as the VM's handle drives it: what differs from one
 * hypervisor to the next, and nothing else. The handle keeps what they share: the runtime
 * directory, the process (pid, start time, signals), the lock, the exit. A VMM speaks its own
 * protocol (QEMU: QMP) on a control channel it opens when first needed and keeps; it fails with
 * {@link VmmException}s.
 *
 * <p>A method given a {@link VmProcess} is about a process the handle found running; the handle
 * tells "not running" from /proc, so a VMM need not.
 */
public interface Vmm {
  /** Checks {@code spec} for this VMM on this host and works out its launch, before anything is written. */
  LaunchPlan plan(VmSpec spec);

  /**
   * Starts the VMM from {@code plan} with the guest not yet running, in the runtime directory the
   * handle prepared (locked, spec written); returns its process once its control channel answers.
   * Fails with {@code SpawnFailedException}.
   */
  VmProcess spawnPaused(LaunchPlan plan);

  /** Starts, pauses, resets the guest or presses its power button; returns the state after it. */
  VmStatus control(VmProcess process, GuestControl control);

  /** The guest's state now, attributed to {@code process} and numbered when the VMM answered. */
  VmStatus status(VmProcess process);

  /**
   * Asks the VMM to end itself (QEMU: QMP quit), waiting at most {@code timeout} for it to accept;
   * never fails. The handle's kill goes on to SIGTERM and SIGKILL when the process stays.
   */
  void quit(VmProcess process, Duration timeout);

  /** Follows what the VMM reports of {@code process} by itself (see {@link VmmEvent}) until the feed is closed. */
  Events events(VmProcess process, Consumer<VmmEvent> listener);

  /** The guest's serial console, as the VMM writes it. */
  Path console();

  /** The host's end of the guest agent's channel. */
  Path agent();

  /** How the VM's last process ended, as its runtime directory recorded it; attributed to no process. */
  VmStatus exited();

  /** Closes the control channel; the VMM runs on. */
  void close();

  /** Removes the VM's own disks and seed (its VM directory); the handle has checked that no process runs. A missing directory is success. */
  void removeDisks();

  /**
   * The snapshots of the VM with {@code spec}: kept by the VMM through its control channel while
   * {@code running} is present (a process the handle found running), on the disks otherwise.
   */
  Snapshots snapshots(VmSpec spec, Optional<VmProcess> running);

  // --- live migration: a VMM that does not migrate refuses each step -------------------------

  /**
   * Checks {@code spec} as {@link #plan} does and works out the launch of a VMM that waits for the
   * VM's state from another host instead of booting the guest.
   */
  default LaunchPlan planIncoming(VmSpec spec) {
    throw new VmmException("this VMM does not migrate VMs");
  }

  /**
   * On a VMM started from {@link #planIncoming}: listens for the VM's state on {@code address}, on
   * a port of the VMM's choosing; returns where the source sends it (QEMU: {@code tcp:ADDR:PORT}).
   * A VMM that listens already returns where.
   */
  default String listenForState(VmProcess process, String address) {
    throw new VmmException("this VMM does not migrate VMs");
  }

  /** Starts sending the VM's state to {@code uri} under {@code limits}; returns at once ({@link #migrationStatus} follows it). */
  default void sendState(VmProcess process, String uri, MigrationLimits limits) {
    throw new VmmException("this VMM does not migrate VMs");
  }

  /** The VMM's migration now, sent or received. */
  default MigrationStatus migrationStatus(VmProcess process) {
    throw new VmmException("this VMM does not migrate VMs");
  }

  /** Cancels the migration under way; the source's guest runs on as before it. */
  default void cancelMigration(VmProcess process) {
    throw new VmmException("this VMM does not migrate VMs");
  }

  /** A feed of a VMM's events, on one connection of its control channel. */
  interface Events {
    /** Completes when the channel ends: the first sign that the VMM exits (or that an operation dropped the channel). */
    CompletableFuture<Void> ended();

    /** Stops the feed; the channel stays. */
    void close();

    /** Stops the feed and closes its channel, unless another connection replaced it meanwhile. */
    void disconnect();

    /** Waits up to {@code timeout} for the channel to end; returns whether it did. */
    boolean awaitEnded(Duration timeout);
  }
}
