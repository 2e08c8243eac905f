package io.plasmavmc.host;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most {@code limit} QEMUs starting on this host at once ({@link HostLimits#maxConcurrentSpawns}).
 * Spawns beyond it wait for a slot, first come first served, heartbeating meanwhile (so an
 * activity whose workflow stopped waiting learns it here and starts nothing), until their
 * deadline ({@link SpawnDeadline}); past it they are refused HOST_BUSY, having started nothing. A
 * burst of creates then queues here instead of starting all its QEMUs together, which left the
 * worker too little CPU to pick up its work (issue 20).
 */
final class SpawnSlots {
  private static final Duration BEAT = Duration.ofSeconds(1);

  private final int limit;
  private final Semaphore slots;
  private final AtomicInteger waiting = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();

  SpawnSlots(int limit) {
    this.limit = limit;
    this.slots = new Semaphore(limit, true);
  }

  /** Waits for a slot until {@code deadline}; returns what gives it back (once, however often it is run). */
  Runnable acquire(Instant deadline) {
    waiting.incrementAndGet();
    try {
      while (true) {
        long left = Duration.between(Instant.now(), deadline).toMillis();
        if (slots.tryAcquire(Math.max(0, Math.min(left, BEAT.toMillis())), TimeUnit.MILLISECONDS)) {
          AtomicBoolean held = new AtomicBoolean(true);
          return () -> {
            if (held.getAndSet(false)) {
              slots.release();
            }
          };
        }
        if (left <= BEAT.toMillis()) {
          refused.incrementAndGet();
          throw new HostBusyException("its " + limit + " spawn slots (max concurrent spawns) stayed taken until the spawn's deadline ("
              + running() + " QEMUs starting, " + (waiting.get() - 1) + " more waiting); nothing was started, retry later");
        }
        Heartbeats.beat("waiting for a spawn slot: " + running() + " of " + limit + " taken, " + waiting.get() + " waiting");
      }
    } catch (InterruptedException e) {
      // The worker is stopping: not the host's refusal, but a failure Temporal retries on the host's next worker.
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a spawn slot (the worker is stopping); nothing was started", e);
    } finally {
      waiting.decrementAndGet();
    }
  }

  private int running() {
    return limit - slots.availablePermits();
  }

  SpawnLoad load() {
    return new SpawnLoad(limit, running(), waiting.get(), refused.get());
  }
}
