package io.plasmavmc.gateway;

import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The deadline a client gave its call, as the time an operation may wait for a busy host: a
 * little less than what is left of it, so that the workflow's own answer (HOST_BUSY, saying what
 * happened) reaches the client before its deadline cuts the call off with a bare
 * DEADLINE_EXCEEDED. A call without a deadline leaves the wait to the workflow's default.
 */
final class CallDeadlines {
  /** What the answer needs to travel back from the workflow through Temporal and the gateway. */
  static final Duration MARGIN = Duration.ofSeconds(2);
  /** Less than this is no wait at all: the least a creation is given, whatever the deadline says. */
  static final Duration LEAST = Duration.ofSeconds(1);

  private CallDeadlines() {}

  /** The current call's deadline less {@link #MARGIN}, at least {@link #LEAST}; null when the call has none. */
  static Duration busyHostWait() {
    return busyHostWait(Context.current().getDeadline());
  }

  static Duration busyHostWait(Deadline deadline) {
    if (deadline == null) {
      return null;
    }
    Duration left = Duration.ofMillis(deadline.timeRemaining(TimeUnit.MILLISECONDS)).minus(MARGIN);
    return left.compareTo(LEAST) < 0 ? LEAST : left;
  }
}
