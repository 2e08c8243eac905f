package io.plasmavmc.contract.testrun;

import java.util.List;

/**
 * What a watcher of a lifecycle test run reads in one query: the run as it stands (its attempts
 * only when asked for), the events of its attempts numbered after the watcher's last, oldest
 * first, and {@code seq}, the number of the run's latest event (the next query asks for those after
 * it).
 */
public record LifecycleTestWatch(LifecycleTestReport run, List<AttemptEvent> events, long seq) {
  /** What happened to an attempt: it started (in its first phase), entered another phase, or ended. */
  public enum Kind { STARTED, PHASE, ENDED }

  /** One attempt as it was right after the event numbered {@code seq}. */
  public record AttemptEvent(long seq, Kind kind, LifecycleTestAttempt attempt) {}

  public LifecycleTestWatch {
    events = events == null ? List.of() : List.copyOf(events);
  }
}
