package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.plasmavmc.contract.host.HostActivities;
import io.temporal.activity.ActivityInfo;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Until when a spawn waits for a slot: within its attempt's start-to-close, and not past its operation's deadline. */
class SpawnDeadlineTest {
  private static final Instant SCHEDULED = Instant.parse("2026-12-01T10:00:00Z");
  private static final Instant STARTED = SCHEDULED.plusSeconds(20);
  private static final Duration SPAWN = Duration.ofSeconds(30);

  /** An activity's info with only what the deadline reads. */
  private static ActivityInfo info(Duration startToClose, Duration scheduleToClose) {
    Map<String, Object> values = Map.of("getStartToCloseTimeout", startToClose, "getScheduleToCloseTimeout", scheduleToClose,
        "getStartedTimestamp", STARTED.toEpochMilli(), "getScheduledTimestamp", SCHEDULED.toEpochMilli());
    return (ActivityInfo) Proxy.newProxyInstance(ActivityInfo.class.getClassLoader(), new Class<?>[] {ActivityInfo.class},
        (proxy, method, args) -> values.get(method.getName()));
  }

  @Test
  void aSpawnOfAnOperationWithADeadlineWaitsUntilIt() {
    // The workflow gave the operation 100 s from the schedule: schedule-to-close 100 s + the spawn budget.
    Duration left = Duration.ofSeconds(100);
    ActivityInfo spawn = info(left.plus(HostActivities.SPAWN_BUDGET), left.plus(HostActivities.SPAWN_BUDGET));
    assertEquals(SCHEDULED.plus(left), SpawnDeadline.of(spawn, SPAWN, STARTED));
  }

  @Test
  void aSpawnWithoutOneLeavesItsStartEnoughOfItsStartToClose() {
    ActivityInfo spawn = info(Duration.ofSeconds(60), Duration.ZERO);
    assertEquals(STARTED.plusSeconds(60 - 30 - 5), SpawnDeadline.of(spawn, SPAWN, STARTED));
  }

  @Test
  void outsideAnActivityAMinute() {
    Instant before = Instant.now();
    Instant deadline = SpawnDeadline.of(SPAWN);
    assertEquals(SpawnDeadline.OUTSIDE_AN_ACTIVITY.toSeconds(), Duration.between(before, deadline).toSeconds());
  }
}
