package io.plasmavmc.host;

import io.plasmavmc.contract.host.HostActivities;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityInfo;
import java.time.Duration;
import java.time.Instant;

/**
 * Until when a spawn may wait for a spawn slot: so long that what is left still holds QEMU's start
 * within the attempt's start-to-close timeout, and no longer than its operation's deadline (a
 * spawn's schedule-to-close ends {@link HostActivities#SPAWN_BUDGET} after it, see there), so no
 * QEMU starts for a creation its caller has given up on. Temporal's timestamps are the server's
 * clock: hosts keep theirs in step (NTP), as every Temporal worker must for its timeouts.
 */
final class SpawnDeadline {
  /** What the activity needs beside QEMU's start: its answer's way back to Temporal. */
  private static final Duration MARGIN = Duration.ofSeconds(5);
  /** Outside an activity (tests, benchmarks that call the host layer directly): a minute. */
  static final Duration OUTSIDE_AN_ACTIVITY = Duration.ofSeconds(60);

  private SpawnDeadline() {}

  static Instant of(Duration spawnTimeout) {
    ActivityInfo info;
    try {
      info = Activity.getExecutionContext().getInfo();
    } catch (RuntimeException notInAnActivity) {
      return Instant.now().plus(OUTSIDE_AN_ACTIVITY);
    }
    return of(info, spawnTimeout, Instant.now());
  }

  static Instant of(ActivityInfo info, Duration spawnTimeout, Instant now) {
    Instant deadline = null;
    Duration startToClose = info.getStartToCloseTimeout();
    if (startToClose != null && !startToClose.isZero() && info.getStartedTimestamp() > 0) {
      deadline = Instant.ofEpochMilli(info.getStartedTimestamp()).plus(startToClose).minus(spawnTimeout).minus(MARGIN);
    }
    Duration scheduleToClose = info.getScheduleToCloseTimeout();
    if (scheduleToClose != null && !scheduleToClose.isZero() && info.getScheduledTimestamp() > 0) {
      deadline = earlier(deadline, Instant.ofEpochMilli(info.getScheduledTimestamp()).plus(scheduleToClose).minus(HostActivities.SPAWN_BUDGET));
    }
    return deadline != null ? deadline : now.plus(OUTSIDE_AN_ACTIVITY);
  }

  private static Instant earlier(Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }
}
