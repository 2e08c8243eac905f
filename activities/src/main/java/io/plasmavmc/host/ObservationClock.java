package io.plasmavmc.host;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Numbers what this host observes about its QEMUs (a QMP reply or event as it is read, an exit as
 * it is seen), so a VM's workflow can put reports that reach it in any order back in the order the
 * host saw them. Microseconds of wall-clock time, made strictly increasing within the process: a
 * worker that restarts numbers on from the clock, past everything its predecessor numbered.
 */
public final class ObservationClock {
  private static final AtomicLong LAST = new AtomicLong();

  private ObservationClock() {}

  public static long next() {
    Instant now = Instant.now();
    long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    return LAST.updateAndGet(last -> Math.max(last + 1, micros));
  }
}
