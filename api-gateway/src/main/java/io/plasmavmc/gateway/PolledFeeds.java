package io.plasmavmc.gateway;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.support.DaemonThreads;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Server streams fed by polling (WatchVm, WatchLifecycleTestRun): one feed per watched key, however
 * many streams follow it, read every {@code interval} by one task at a time on a small pool, so a
 * slow read holds up its own feed only. Streams are admitted within their {@link StreamBounds}, and
 * give their place back when they end, are cancelled or fail.
 */
abstract class PolledFeeds<S extends FeedStream<?>> implements AutoCloseable {
  private final StreamBounds bounds;
  private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticks;
  private final ExecutorService reads;

  PolledFeeds(String threads, Duration interval, StreamBounds bounds) {
    this.bounds = bounds;
    this.ticks = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named(threads + "-ticks"));
    this.reads = Executors.newFixedThreadPool(4, DaemonThreads.named(threads));
    ticks.scheduleWithFixedDelay(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Streams open now (a gauge for the metrics). */
  final int streams() {
    return bounds.open();
  }

  /**
   * Admits a stream of this call's caller, has {@code start} make it (and send what comes first: a
   * failure there ends the call before it is followed, and gives its place back), then follows
   * {@code key} for it.
   */
  final void follow(String key, Function<String, S> start) {
    String caller = bounds.admit();
    S started;
    try {
      started = start.apply(caller);
    } catch (RuntimeException e) {
      bounds.release(caller);
      throw e;
    }
    Feed feed = feeds.compute(key, (k, found) -> {
      Feed joined = found != null ? found : new Feed(k);
      joined.streams.add(started);
      return joined;
    });
    started.stream.setOnCancelHandler(() -> feed.drop(started));
  }

  /** Reads {@code key} once and writes to its {@code streams} what each has not seen; returns those that are over. */
  abstract List<S> read(String key, Collection<S> streams);

  private void tick() {
    for (Feed feed : feeds.values()) {
      Feed kept = feeds.computeIfPresent(feed.key, (k, found) -> found.streams.isEmpty() ? null : found);
      if (kept != null && kept.reading.compareAndSet(false, true)) {
        reads.execute(kept::read);
      }
    }
  }

  /** The streams of one key, fed by one read per tick. */
  private final class Feed {
    final String key;
    final Set<S> streams = ConcurrentHashMap.newKeySet();
    final AtomicBoolean reading = new AtomicBoolean();

    Feed(String key) {
      this.key = key;
    }

    void read() {
      try {
        PolledFeeds.this.read(key, List.copyOf(streams)).forEach(this::drop);
      } catch (StatusRuntimeException e) {
        failAll(e);
      } catch (RuntimeException e) {
        failAll(Failures.internal(e));
      } finally {
        reading.set(false);
      }
    }

    private void failAll(StatusRuntimeException e) {
      for (S stream : List.copyOf(streams)) {
        stream.fail(e);
        drop(stream);
      }
    }

    void drop(S stream) {
      if (streams.remove(stream)) {
        bounds.release(stream.caller);
      }
    }
  }

  @Override
  public void close() {
    ticks.shutdownNow();
    reads.shutdownNow();
  }
}
