package io.plasmavmc.workflow;

import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.host.HostActivities;
import io.temporal.activity.ActivityCancellationType;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Timeouts and retries of every host activity. All go to the VM's host queue with a bounded
 * schedule-to-start: work not picked up in time makes the workflow look at the host (see
 * {@link HostCalls}) instead of waiting forever, and nothing is retried elsewhere (the VM's disks and process live on
 * that host). Every host activity is idempotent, so retries after a worker crash are safe.
 */
final class HostActivityOptions {
  /**
   * Every host activity heartbeats while it waits, so a worker killed mid-activity is noticed
   * within this time and the activity retried on the host's next worker (instead of after its
   * start-to-close timeout). Longer than a QMP command's 5 s timeout, so a silent monitor is
   * reported as such rather than as a lost worker.
   */
  static final Duration HEARTBEAT = Duration.ofSeconds(8);

  private HostActivityOptions() {}

  private static ActivityOptions.Builder base(String hostId, Duration scheduleToStart, Duration startToClose, int attempts) {
    return unwatched(hostId, scheduleToStart, startToClose, attempts).setHeartbeatTimeout(HEARTBEAT);
  }

  /** Without a heartbeat timeout: for work the host does not heartbeat, bounded by its start-to-close alone. */
  private static ActivityOptions.Builder unwatched(String hostId, Duration scheduleToStart, Duration startToClose, int attempts) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(TaskQueues.host(hostId))
        .setScheduleToStartTimeout(scheduleToStart)
        .setStartToCloseTimeout(startToClose)
        .setRetryOptions(RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofMillis(200))
            .setBackoffCoefficient(2)
            .setMaximumInterval(Duration.ofSeconds(5))
            .setMaximumAttempts(attempts)
            .setDoNotRetry(VmFailures.HOST_NEVER_RETRIED)
            .build());
  }

  /** QMP commands and status: quick, a few retries. */
  static ActivityOptions quick(String hostId, Duration scheduleToStart, String summary) {
    return base(hostId, scheduleToStart, Duration.ofSeconds(20), 5).setSummary(summary).build();
  }

  /** Spawning QEMU: up to its own 30 s start timeout, then re-attaches if retried. */
  static ActivityOptions spawn(String hostId, Duration scheduleToStart, String summary) {
    return base(hostId, scheduleToStart, Duration.ofSeconds(60), 4).setSummary(summary).build();
  }

  /**
   * Spawning QEMU for an operation that waits for a busy host until a deadline {@code left} from
   * now: its schedule-to-close ends {@link HostActivities#SPAWN_BUDGET} after that deadline, which
   * tells the host until when it may wait for a spawn slot (and bounds the retries after a lost
   * worker), so no QEMU starts long after its caller gave up.
   */
  static ActivityOptions spawnBefore(String hostId, Duration scheduleToStart, String summary, Duration left) {
    // An attempt may wait on the host for a spawn slot as long as the operation may: its heartbeat,
    // not its start-to-close, is what notices a lost worker.
    Duration budget = left.plus(HostActivities.SPAWN_BUDGET);
    return base(hostId, scheduleToStart, budget, 4)
        .setScheduleToCloseTimeout(budget)
        .setSummary(summary)
        .build();
  }

  /** Kill: quit, SIGTERM, SIGKILL with bounded waits, retried until QEMU is gone. */
  static ActivityOptions kill(String hostId, Duration scheduleToStart, String summary) {
    return base(hostId, scheduleToStart, Duration.ofSeconds(45), 10).setSummary(summary).build();
  }

  /**
   * A migration's step on one host other than the transfer (start the target's QEMU, listen, let
   * it run, end or abort one end, give the guest back): each idempotent by the migration's id and
   * quick but for the start of a QEMU or the end of one, retried as a spawn or a kill is.
   */
  static ActivityOptions migrationStep(String hostId, Duration scheduleToStart, String summary) {
    return base(hostId, scheduleToStart, Duration.ofSeconds(60), 10).setSummary(summary).build();
  }

  /**
   * A migration's abort of its target when the target did not answer in time: left in the target's
   * queue, picked up whenever the host's worker polls again, within a day. A failed migration whose
   * target never ran the guest does not wait for it; one whose target was told to let the guest
   * run waits for its answer, which only the target can give.
   */
  static ActivityOptions abortWhenReachable(String hostId, String summary) {
    return base(hostId, Duration.ofDays(1), Duration.ofSeconds(60), 0)
        .setScheduleToCloseTimeout(Duration.ofDays(1))
        .setSummary(summary)
        .build();
  }

  /**
   * The transfer of a VM's state, followed on its source: heartbeated about every second with its
   * progress, so a worker that dies mid-transfer is noticed within {@link #HEARTBEAT} and the
   * transfer followed again by the host's next worker (QEMU sends on meanwhile); bounded by the
   * migration's own limit, past which the host cancels it, and a margin. Cancelled, the workflow
   * waits until the host has cancelled the transfer: only then may the target's QEMU be ended and
   * the source's guest counted on to run.
   */
  static ActivityOptions migrationTransfer(String hostId, Duration scheduleToStart, Duration limit, String summary) {
    return base(hostId, scheduleToStart, limit.plusMinutes(2), 3)
        .setCancellationType(ActivityCancellationType.WAIT_CANCELLATION_COMPLETED)
        .setSummary(summary)
        .build();
  }

  /**
   * A snapshot's job (snapshot-save, -load or -delete in QEMU, qemu-img on a stopped VM's disks):
   * heartbeated while the job runs, so a worker that dies mid-job is noticed within
   * {@link #HEARTBEAT} and the activity retried on the host's next worker, where the job's id (made
   * from the operation) finds the job again. Five minutes hold the save of a 512 MiB guest's RAM
   * to a slow disk many times over.
   */
  static ActivityOptions snapshot(String hostId, Duration scheduleToStart, String summary) {
    return base(hostId, scheduleToStart, Duration.ofMinutes(5), 5).setSummary(summary).build();
  }

  /**
   * A look at the host's image store or a deletion in it. Not heartbeated: the first look at an
   * image copied into the store by hand computes its sha256, which for a large image takes a
   * while in one call; two minutes bound it, and a retry finds the checksums already computed.
   */
  static ActivityOptions imageStore(String hostId, Duration scheduleToStart, String summary) {
    return unwatched(hostId, scheduleToStart, Duration.ofMinutes(2), 3).setSummary(summary).build();
  }

  /**
   * An image import: copying, perhaps converting, and checksumming a file of many GiB, heartbeated
   * with its progress. A worker that dies is noticed within three monitor intervals and the import
   * starts again on the host's next worker (into a new temporary file: the image appears only
   * complete); cancelled with its workflow.
   */
  static ActivityOptions imageImport(String hostId, Duration scheduleToStart, String summary) {
    return base(hostId, scheduleToStart, Duration.ofHours(6), 3)
        .setHeartbeatTimeout(HostActivities.MONITOR_HEARTBEAT_INTERVAL.multipliedBy(3))
        .setCancellationType(ActivityCancellationType.TRY_CANCEL)
        .setSummary(summary)
        .build();
  }

  /**
   * The host monitor: runs as long as QEMU does, heartbeated by the host's watcher (it holds no
   * worker thread or slot). A worker that dies stops the heartbeat and the monitor fails; the
   * workflow then schedules a new one, which the host's next worker picks up and re-attaches to
   * QEMU. (Not a server-side retry: a fresh activity's schedule-to-start timeout is what tells the
   * workflow that no worker serves the host anymore.) Three missed heartbeats make a lost worker.
   */
  static ActivityOptions monitor(String hostId, Duration scheduleToStart) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(TaskQueues.host(hostId))
        .setScheduleToStartTimeout(scheduleToStart)
        .setStartToCloseTimeout(Duration.ofDays(3650))
        .setHeartbeatTimeout(HostActivities.MONITOR_HEARTBEAT_INTERVAL.multipliedBy(3))
        .setCancellationType(ActivityCancellationType.TRY_CANCEL)
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .setSummary("watch QEMU (QMP events, exit)")
        .build();
  }

  /**
   * Waiting for QEMU to exit: long, heartbeating, so a dead worker is noticed within the heartbeat
   * timeout and the wait resumes on its successor. Never cancelled: it ends with QEMU.
   */
  static ActivityOptions awaitExit(String hostId, Duration scheduleToStart, Duration wait, String summary) {
    return base(hostId, scheduleToStart, wait.plusSeconds(30), 0)
        .setHeartbeatTimeout(Duration.ofSeconds(10))
        .setCancellationType(ActivityCancellationType.TRY_CANCEL)
        .setSummary(summary)
        .build();
  }

  /**
   * A readiness probe's wait on the serial console: held by the host's console watcher and
   * heartbeated like the monitor, retried on the host's next worker if its worker dies (it reads
   * the console again from the boot's start), cancelled when the boot ends first.
   */
  static ActivityOptions awaitConsole(String hostId, Duration scheduleToStart, Duration wait, String summary) {
    return base(hostId, scheduleToStart, wait.plusSeconds(60), 0)
        .setHeartbeatTimeout(HostActivities.MONITOR_HEARTBEAT_INTERVAL.multipliedBy(3))
        .setCancellationType(ActivityCancellationType.TRY_CANCEL)
        .setSummary(summary)
        .build();
  }

  /**
   * A lifecycle test's look at a guest (a console expectation, a command through the agent, a
   * console excerpt): heartbeated, a few retries, cancelled with its run.
   */
  static ActivityOptions guestCheck(String hostId, Duration scheduleToStart, Duration startToClose, String summary) {
    return base(hostId, scheduleToStart, startToClose, 3)
        .setHeartbeatTimeout(HostActivities.MONITOR_HEARTBEAT_INTERVAL.multipliedBy(3))
        .setCancellationType(ActivityCancellationType.TRY_CANCEL)
        .setSummary(summary)
        .build();
  }
}
