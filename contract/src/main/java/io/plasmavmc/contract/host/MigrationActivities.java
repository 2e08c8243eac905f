package io.plasmavmc.contract.host;

import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;

/**
 * The host's part of a live migration, each step on the host it names (the target's steps on the
 * target's queue, the source's on the source's). {@code migrationId} names the migration, made
 * once by the VM's workflow: every step is idempotent by it, so an activity retried after a worker
 * crash finds what its first attempt did (the target's QEMU by the migration its runtime directory
 * names, the transfer by QEMU's query-migrate) instead of doing it twice. Exactly one QEMU owns the
 * VM at any time: the source until {@link #finishTarget} lets the target's guest run, the target
 * from then on; no step lets a second one run.
 */
@ActivityInterface(namePrefix = "Migration")
public interface MigrationActivities {
  /** How often a transfer heartbeats its progress. */
  Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

  /**
   * On the target: starts QEMU for the VM with {@code spec}, paused and waiting for the VM's state
   * from another host (QEMU's {@code -incoming defer}), in the VM's runtime directory on this host,
   * or returns the one this migration started already. Fails MIGRATION_UNSUPPORTED where another
   * QEMU of the VM runs here, INVALID_SPEC where this host cannot run the spec, HOST_FULL.
   */
  @ActivityMethod
  VmHandle prepareIncoming(String vmId, VmSpec spec, String migrationId);

  /**
   * On the target: listens for the VM's state on {@code address} (this host's address on the
   * hosts' network), on a port QEMU chooses; returns where the source sends it ({@code
   * tcp:ADDR:PORT}). Repeated, it returns the same.
   */
  @ActivityMethod
  String startIncoming(String vmId, String migrationId, String address);

  /**
   * On the source: sends the VM's RAM and device state to {@code uri} under {@code limits},
   * heartbeating its progress, until QEMU reports the transfer completed (the source's guest is
   * then stopped, in run state postmigrate). Fails MIGRATION_FAILED when QEMU's transfer failed or
   * did not complete within the limit (then cancelled: the source's guest runs on). Cancelled, it
   * cancels the transfer. Retried, it follows the transfer its first attempt started.
   */
  @ActivityMethod
  MigrationResult migrate(String vmId, String migrationId, String uri, MigrationLimits limits);

  /**
   * On the target, once the transfer completed: writes {@code console} (the end of the source's
   * serial console) where the target's console continues, and lets the guest run if {@code run}
   * (QMP cont). From here on the target's QEMU is the VM's. Repeated, it finds that done.
   */
  @ActivityMethod
  VmStatus finishTarget(String vmId, String migrationId, byte[] console, boolean run);

  /**
   * On the source, once the target owns the VM: ends the source's QEMU (stopped in postmigrate)
   * and removes its runtime directory; the VM's disks stay (the target uses them). Refuses
   * (MIGRATION_FAILED) to end a source whose guest runs. A source already gone is success.
   */
  @ActivityMethod
  void endSource(String vmId, String migrationId);

  /**
   * On the target, when the migration failed or was cancelled: ends the QEMU this migration
   * started and removes its runtime directory, unless the target already owns the VM.
   */
  @ActivityMethod
  TargetAbort abortTarget(String vmId, String migrationId);

  /**
   * On the source, once the target is aborted: a source whose transfer completed (postmigrate)
   * takes the guest back, running if {@code run}; one whose transfer failed runs on already.
   * Returns the source's status.
   */
  @ActivityMethod
  VmStatus resumeSource(String vmId, String migrationId, boolean run);
}
