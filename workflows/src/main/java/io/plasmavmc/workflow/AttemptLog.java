package io.plasmavmc.workflow;

import io.plasmavmc.contract.testrun.LifecycleTestAttempt;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt.Outcome;
import io.plasmavmc.contract.testrun.LifecycleTestWatch.AttemptEvent;
import io.plasmavmc.contract.testrun.LifecycleTestWatch.Kind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The attempts of a lifecycle test run: each as it is now (the report's list, one slot an attempt),
 * and their events numbered in the order they happened (an attempt started, entered a phase,
 * ended), the newest {@link #KEPT_EVENTS} kept for watchers. Part of the run's state: it issues no
 * command, so it changes no history.
 */
final class AttemptLog {
  /** Events kept for watchers; one that fell further behind reads the attempts that changed as they are. */
  static final int KEPT_EVENTS = 512;

  private final List<LifecycleTestAttempt> attempts = new ArrayList<>();
  /** The number of each slot's latest event. */
  private final List<Long> changedAt = new ArrayList<>();
  private final ArrayDeque<AttemptEvent> events = new ArrayDeque<>();
  private long seq;

  /** A new attempt, in its first phase; returns its slot. */
  int add(LifecycleTestAttempt attempt) {
    attempts.add(attempt);
    changedAt.add(0L);
    int slot = attempts.size() - 1;
    record(slot, Kind.STARTED, attempt);
    return slot;
  }

  /** The attempt of {@code slot} as it is now: in another phase while it runs, or ended (as it was: no event). */
  void set(int slot, LifecycleTestAttempt attempt) {
    if (attempts.get(slot).equals(attempt)) {
      return;
    }
    attempts.set(slot, attempt);
    record(slot, attempt.outcome() == Outcome.RUNNING ? Kind.PHASE : Kind.ENDED, attempt);
  }

  List<LifecycleTestAttempt> all() {
    return attempts;
  }

  /** The number of the latest event (0: none yet). */
  long seq() {
    return seq;
  }

  /** The events numbered after {@code afterSeq}, oldest first; for a watcher further behind, each attempt changed since, as it is. */
  List<AttemptEvent> after(long afterSeq) {
    if (afterSeq >= seq) {
      return List.of();
    }
    if (!events.isEmpty() && afterSeq >= events.peekFirst().seq() - 1) {
      return events.stream().filter(event -> event.seq() > afterSeq).toList();
    }
    return IntStream.range(0, attempts.size())
        .filter(slot -> changedAt.get(slot) > afterSeq)
        .boxed()
        .sorted(Comparator.comparing(changedAt::get))
        .map(slot -> new AttemptEvent(changedAt.get(slot), attempts.get(slot).outcome() == Outcome.RUNNING ? Kind.PHASE : Kind.ENDED,
            attempts.get(slot)))
        .toList();
  }

  private void record(int slot, Kind kind, LifecycleTestAttempt attempt) {
    seq++;
    changedAt.set(slot, seq);
    events.addLast(new AttemptEvent(seq, kind, attempt));
    while (events.size() > KEPT_EVENTS) {
      events.removeFirst();
    }
  }
}
