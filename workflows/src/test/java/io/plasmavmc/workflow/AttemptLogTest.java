package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.plasmavmc.contract.testrun.LifecycleTestAttempt;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt.Outcome;
import io.plasmavmc.contract.testrun.LifecycleTestWatch.AttemptEvent;
import io.plasmavmc.contract.testrun.LifecycleTestWatch.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events a run keeps for its watchers, and what a watcher that fell behind them reads. */
class AttemptLogTest {
  private static LifecycleTestAttempt attempt(int iteration, Outcome outcome, String phase) {
    return new LifecycleTestAttempt(iteration, 1, "r-" + iteration + "-1", outcome, phase, "", "", List.of(), false, "");
  }

  @Test
  void eventsAreNumberedInOrderAndEachKindSaysWhatHappened() {
    AttemptLog log = new AttemptLog();
    int slot = log.add(attempt(1, Outcome.RUNNING, "create"));
    log.set(slot, attempt(1, Outcome.RUNNING, "ready"));
    log.set(slot, attempt(1, Outcome.PASSED, ""));
    assertEquals(List.of(Kind.STARTED, Kind.PHASE, Kind.ENDED), log.after(0).stream().map(AttemptEvent::kind).toList());
    assertEquals(List.of(2L, 3L), log.after(1).stream().map(AttemptEvent::seq).toList());
    assertEquals(List.of(), log.after(3));
    assertEquals(Outcome.PASSED, log.all().get(0).outcome());
  }

  @Test
  void aWatcherBehindTheKeptEventsReadsEachAttemptThatChangedAsItIsNow() {
    AttemptLog log = new AttemptLog();
    int first = log.add(attempt(1, Outcome.RUNNING, "create"));
    log.set(first, attempt(1, Outcome.GUEST_FAILURE, "checks"));
    int second = log.add(attempt(2, Outcome.RUNNING, "create"));
    for (int i = 0; i < AttemptLog.KEPT_EVENTS; i++) {
      log.set(second, attempt(2, Outcome.RUNNING, "ready " + i));
    }
    List<AttemptEvent> behind = log.after(1);
    assertEquals(2, behind.size(), behind.toString());
    assertEquals(Kind.ENDED, behind.get(0).kind());
    assertEquals(2, behind.get(0).seq());
    assertEquals(Kind.PHASE, behind.get(1).kind());
    assertEquals("ready " + (AttemptLog.KEPT_EVENTS - 1), behind.get(1).attempt().phase());
    assertEquals(log.seq(), behind.get(1).seq());
    assertEquals(AttemptLog.KEPT_EVENTS, log.after(log.seq() - AttemptLog.KEPT_EVENTS).size(), "within the kept events: each of them");
  }
}
