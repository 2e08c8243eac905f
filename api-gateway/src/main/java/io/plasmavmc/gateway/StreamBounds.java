package io.plasmavmc.gateway;

import io.grpc.Status;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** How many streams of one kind may be open: per caller and in all. Past a bound, RESOURCE_EXHAUSTED naming it. */
final class StreamBounds {
  private final String streams;
  private final int perCaller;
  private final int total;
  private final Map<String, AtomicInteger> byCaller = new ConcurrentHashMap<>();
  private final AtomicInteger open = new AtomicInteger();

  /** {@code streams} names them in the refusal ("WatchVm streams"). */
  StreamBounds(String streams, int perCaller, int total) {
    this.streams = streams;
    this.perCaller = perCaller;
    this.total = total;
  }

  /** Admits a stream of this call's caller (as the authenticator named it); returns the caller, whose place {@link #release} gives back. */
  String admit() {
    String caller = Objects.requireNonNullElse(Authenticator.CALLER.get(), "anonymous");
    AtomicInteger mine = byCaller.computeIfAbsent(caller, c -> new AtomicInteger());
    if (mine.incrementAndGet() > perCaller) {
      mine.decrementAndGet();
      throw Status.RESOURCE_EXHAUSTED.withDescription(streams + ": at most " + perCaller + " per caller").asRuntimeException();
    }
    if (open.incrementAndGet() > total) {
      open.decrementAndGet();
      mine.decrementAndGet();
      throw Status.RESOURCE_EXHAUSTED.withDescription(streams + ": at most " + total + " on this gateway").asRuntimeException();
    }
    return caller;
  }

  void release(String caller) {
    open.decrementAndGet();
    AtomicInteger mine = byCaller.get(caller);
    if (mine != null) {
      mine.decrementAndGet();
    }
  }

  /** Streams open now. */
  int open() {
    return open.get();
  }
}
