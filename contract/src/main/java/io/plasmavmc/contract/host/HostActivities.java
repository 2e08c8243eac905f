package io.plasmavmc.contract.host;

import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;
import io.plasmavmc.contract.Snapshot;
import java.util.List;
import java.util.Map;

/**
 * Everything a VM's workflow asks of the host that owns the VM. Every method is idempotent, so
 * Temporal may retry any of them after a worker crash: a second spawn finds the running QEMU, a
 * second kill finds it gone, a second cleanup finds nothing to remove.
 */
@ActivityInterface(namePrefix = "Host")
public interface HostActivities {
  /**
   * How often a running monitor heartbeats. Every heartbeat is a call to Temporal, and a host may
   * watch a thousand VMs; the monitor's heartbeat timeout is a few of these.
   */
  Duration MONITOR_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);

  /** The most of a lifecycle test attempt's console its host keeps ({@link #archiveConsole}). */
  int MAX_ARCHIVED_CONSOLE_BYTES = 256 * 1024;

  /**
   * What a spawn may take once it has a spawn slot. A spawn whose schedule-to-close timeout is
   * set ends its operation's deadline this much later: the host waits for a slot only until that
   * deadline, and then refuses the spawn HOST_BUSY, so that no QEMU starts for a creation its
   * caller has given up on.
   */
  Duration SPAWN_BUDGET = Duration.ofSeconds(60);

  /**
   * Starts QEMU paused (run state prelaunch), or returns the live QEMU this VM already has. A
   * spawn that cannot get one of the host's spawn slots before its deadline (see
   * {@link #SPAWN_BUDGET}) fails HOST_BUSY, having started nothing.
   */
  @ActivityMethod
  VmHandle spawn(String vmId, VmSpec spec);

  /**
   * {@link #spawn} and {@link #cont} in one activity, for a VM that is to run at once: one round
   * trip through Temporal instead of two. Retried after a crash, it finds its QEMU and lets it run.
   */
  @ActivityMethod
  VmStatus spawnAndStart(String vmId, VmSpec spec);

  /** Lets the guest run (QMP cont). */
  @ActivityMethod
  VmStatus cont(String vmId);

  /** Freezes the guest's vCPUs (QMP stop). */
  @ActivityMethod
  VmStatus pause(String vmId);

  /** Hard-resets the guest (QMP system_reset); QEMU keeps running. */
  @ActivityMethod
  VmStatus reset(String vmId);

  /** Presses the ACPI power button (QMP system_powerdown); returns without waiting for the guest. */
  @ActivityMethod
  VmStatus powerdown(String vmId);

  /** What QEMU reports right now, mapped to a lifecycle state with a reason. */
  @ActivityMethod
  VmStatus queryStatus(String vmId);

  /** Ends QEMU: QMP quit, then SIGTERM, then SIGKILL, each with a bounded wait. A VM already gone is success. */
  @ActivityMethod
  VmStatus kill(String vmId);

  /** Waits up to {@code timeout} for QEMU to exit, heartbeating; returns the status when it exited or the wait ended. */
  @ActivityMethod
  VmStatus awaitExit(String vmId, Duration timeout);

  /**
   * Watches the VM's QEMU instance {@code pid}/{@code startTime} (0/0: whichever runs) until it
   * exits: holds its QMP connection, heartbeats, and signals the workflow that scheduled it
   * ({@link HostEvent#SIGNAL}) on every QMP event of note and on the exit. Completes with the final
   * status. An instance that is already gone (it died while nobody watched) is reported exited at
   * once. Re-attaches to a running QEMU when retried on a restarted worker.
   */
  @ActivityMethod
  VmStatus monitor(String vmId, long pid, long startTime);

  /** The last {@code maxBytes} of the VM's serial console log (empty if it has none). */
  @ActivityMethod
  ConsoleTail readConsole(String vmId, int maxBytes);

  /**
   * Keeps the last {@code maxBytes} (at most {@link #MAX_ARCHIVED_CONSOLE_BYTES}) of the serial
   * console of VM {@code vmId} as an artifact of lifecycle test run {@code runId}, under the name
   * {@code vmName}, before the VM and its console go: a file of the host's artifacts directory that
   * outlives the VM (the host keeps the newest runs' artifacts, a bounded number). Returns the
   * bytes kept (a VM without a console keeps an empty log). Idempotent: retried, it keeps the
   * console again.
   */
  @ActivityMethod
  long archiveConsole(String vmId, String runId, String vmName, int maxBytes);

  /**
   * The last {@code maxBytes} of the console {@link #archiveConsole} kept for {@code vmName} of
   * run {@code runId}. Fails CONSOLE_NOT_KEPT where the host keeps none.
   */
  @ActivityMethod
  ConsoleTail readArchivedConsole(String runId, String vmName, int maxBytes);

  /**
   * Waits until a line the guest writes to its serial console after byte {@code fromOffset}
   * matches {@code pattern} (RE2 syntax), or {@code timeout} passes (then: not matched). Held by
   * the host's console watcher, heartbeated like {@link #monitor}, so it takes no worker slot;
   * retried on a restarted worker, it reads the console again from {@code fromOffset}.
   */
  @ActivityMethod
  ProbeResult awaitConsole(String vmId, String pattern, long fromOffset, Duration timeout);

  /**
   * Waits until the guest agent answers on the VM's agent channel, or {@code timeout} passes (then:
   * not ready). Held by the host's agent watcher like {@link #awaitConsole}.
   */
  @ActivityMethod
  ProbeResult awaitAgent(String vmId, Duration timeout);

  /**
   * Asks the guest to power off through its guest agent (guest-shutdown), if the agent answers a
   * guest-sync within a few seconds; returns whether it was asked. Returns without waiting.
   */
  @ActivityMethod
  boolean agentShutdown(String vmId);

  /**
   * Runs {@code command} in the guest through its agent (guest-exec, no shell) and waits for it to
   * exit, heartbeating, up to the command's timeout. A VM without an answering agent is
   * {@link GuestExecResult.Outcome#NO_AGENT}, not a failure of the activity.
   */
  @ActivityMethod
  GuestExecResult guestExec(String vmId, GuestCommand command);

  /** The VMs whose QEMU runs on this host (runtime directory name to pid), checked by pidfile and cmdline. */
  @ActivityMethod
  Map<String, Long> runningQemus();

  /** Removes the VM's runtime directory. Refuses while QEMU runs; a missing directory is success. */
  @ActivityMethod
  void cleanup(String vmId);

  /**
   * Removes the VM's directory of its own disks and cloud-init seed. Refuses while QEMU runs; a
   * missing directory is success. (Spawn makes them where missing: overlays of the spec's images,
   * blank disks, the seed.)
   */
  @ActivityMethod
  void removeDisks(String vmId);

  /**
   * Takes snapshot {@code name} of the VM's own qcow2 disks: while QEMU runs, with its RAM through
   * QEMU's job {@code jobId} (snapshot-save; the guest runs on as it was); otherwise disk-only.
   * Idempotent: retried after a worker crash it waits for job {@code jobId}, or finds the
   * snapshot taken. Fails SNAPSHOT_UNSUPPORTED for a spec without a qcow2 disk of its own or with
   * a writable disk that is not one, SNAPSHOT_EXISTS for a name taken by another snapshot.
   */
  @ActivityMethod
  Snapshot takeSnapshot(String vmId, VmSpec spec, String name, String jobId);

  /**
   * Returns the VM's disks, and its RAM while QEMU runs, to snapshot {@code name} (snapshot-load
   * job {@code jobId}, or qemu-img on the disks of a VM whose QEMU does not run). Returns the
   * status after it (the run state the snapshot had, for a running VM). Idempotent. Fails
   * SNAPSHOT_NOT_FOUND, or SNAPSHOT_UNSUPPORTED for a disk-only snapshot while QEMU runs.
   */
  @ActivityMethod
  VmStatus restoreSnapshot(String vmId, VmSpec spec, String name, String jobId);

  /** Deletes snapshot {@code name} from every disk that has it (snapshot-delete job {@code jobId} while QEMU runs). A missing snapshot is success. */
  @ActivityMethod
  void deleteSnapshot(String vmId, VmSpec spec, String name, String jobId);

  /** The snapshots the VM's own disks hold, oldest first (a snapshot counts when every qcow2 disk of its own has it). */
  @ActivityMethod
  List<Snapshot> listSnapshots(String vmId, VmSpec spec);
}
