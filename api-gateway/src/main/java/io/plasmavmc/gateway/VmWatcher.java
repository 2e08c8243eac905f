package io.plasmavmc.gateway;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.contract.StateChange;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmWatch;
import io.plasmavmc.support.DaemonThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * WatchVm: one feed per watched VM, however many streams follow it, reads the VM's workflow (a
 * query, which writes nothing to history) every {@code interval} and hands each stream every change
 * of state, reason, QEMU pid or run state after the last one it saw. The host monitor signals the
 * workflow within milliseconds of what QEMU does, so with the default 100 ms a watcher sees a
 * change well inside a second. Streams are bounded, per caller and in all: past a bound,
 * RESOURCE_EXHAUSTED naming it.
 */
public final class VmWatcher implements AutoCloseable {
  public static final int MAX_STREAMS_PER_CALLER = 32;
  static final int MAX_STREAMS = 1024;

  private final VmDirectory directory;
  private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> perCaller = new ConcurrentHashMap<>();
  private final AtomicInteger streams = new AtomicInteger();
  private final ScheduledExecutorService ticks;
  private final ExecutorService reads;

  VmWatcher(VmDirectory directory, Duration interval) {
    this.directory = directory;
    this.ticks = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("watch-vm-ticks"));
    this.reads = Executors.newFixedThreadPool(4, DaemonThreads.named("watch-vm"));
    ticks.scheduleWithFixedDelay(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Streams watched now (a gauge for the metrics). */
  int streams() {
    return streams.get();
  }

  void watch(String name, ServerCallStreamObserver<VmEvent> stream) {
    String caller = Objects.requireNonNullElse(Authenticator.CALLER.get(), "anonymous");
    admit(caller);
    Subscriber subscriber;
    try {
      VmRecord first = directory.describe(name); // NOT_FOUND before the stream starts
      subscriber = new Subscriber(stream, VmMapping.toProto(first), first.stateSeq(), caller);
    } catch (RuntimeException e) {
      release(caller);
      throw e;
    }
    subscriber.send(subscriber.last, subscriber.last.getState(), subscriber.last.getStateReason(), subscriber.last.getStateChangedAt());
    Feed feed = feeds.computeIfAbsent(name, Feed::new);
    feed.subscribers.add(subscriber);
    stream.setOnCancelHandler(() -> feed.drop(subscriber));
  }

  private void admit(String caller) {
    AtomicInteger mine = perCaller.computeIfAbsent(caller, c -> new AtomicInteger());
    if (mine.incrementAndGet() > MAX_STREAMS_PER_CALLER) {
      mine.decrementAndGet();
      throw Status.RESOURCE_EXHAUSTED.withDescription("WatchVm streams: at most " + MAX_STREAMS_PER_CALLER + " per caller").asRuntimeException();
    }
    if (streams.incrementAndGet() > MAX_STREAMS) {
      streams.decrementAndGet();
      mine.decrementAndGet();
      throw Status.RESOURCE_EXHAUSTED.withDescription("WatchVm streams: at most " + MAX_STREAMS + " on this gateway").asRuntimeException();
    }
  }

  private void release(String caller) {
    streams.decrementAndGet();
    AtomicInteger mine = perCaller.get(caller);
    if (mine != null) {
      mine.decrementAndGet();
    }
  }

  private void tick() {
    for (Feed feed : feeds.values()) {
      if (feed.subscribers.isEmpty()) {
        feeds.remove(feed.name, feed);
      } else if (feed.reading.compareAndSet(false, true)) {
        reads.execute(feed::read);
      }
    }
  }

  /** The streams of one VM, fed by one query per tick. */
  private final class Feed {
    final String name;
    final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    final AtomicBoolean reading = new AtomicBoolean();

    Feed(String name) {
      this.name = name;
    }

    void read() {
      try {
        long since = subscribers.stream().mapToLong(s -> s.seq).min().orElse(Long.MAX_VALUE);
        List<StateChange> changes;
        Vm current;
        try {
          VmWatch view = directory.watch(name, since);
          changes = view.changes();
          current = view.vm().state() == io.plasmavmc.contract.VmState.DELETED ? null : VmMapping.toProto(view.vm());
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
            throw e;
          }
          changes = List.of();
          current = null;
        }
        for (Subscriber subscriber : subscribers) {
          if (!subscriber.deliver(changes, current)) {
            drop(subscriber);
          }
        }
      } catch (StatusRuntimeException e) {
        subscribers.forEach(s -> s.fail(e));
        subscribers.forEach(this::drop);
      } catch (RuntimeException e) {
        StatusRuntimeException status = Failures.internal(e);
        subscribers.forEach(s -> s.fail(status));
        subscribers.forEach(this::drop);
      } finally {
        reading.set(false);
      }
    }

    void drop(Subscriber subscriber) {
      if (subscribers.remove(subscriber)) {
        release(subscriber.caller);
      }
    }
  }

  /** One stream: what it has seen so far. */
  private static final class Subscriber {
    final ServerCallStreamObserver<VmEvent> stream;
    final String caller;
    Vm last;
    long seq;

    Subscriber(ServerCallStreamObserver<VmEvent> stream, Vm first, long seq, String caller) {
      this.stream = stream;
      this.last = first;
      this.seq = seq;
      this.caller = caller;
    }

    /** Sends what changed since this stream's last event; false once the stream is over. */
    boolean deliver(List<StateChange> changes, Vm current) {
      if (stream.isCancelled()) {
        return false;
      }
      for (StateChange change : changes) {
        if (change.seq() <= seq) {
          continue;
        }
        // Each change of state, even one that is over by now, with the VM as it is now.
        VmState state = VmMapping.state(change.state(), change.hostUnreachable());
        Vm vm = (current != null ? current : last).toBuilder().setState(state).setStateReason(change.reason()).build();
        send(vm, state, change.reason(), VmMapping.timestamp(change.at()));
        seq = change.seq();
        last = vm;
      }
      if (current == null) {
        // Deleted: the workflow is gone (or only finishing). Say so, unless the last change did, and end.
        if (last.getState() != VmState.VM_STATE_DELETED) {
          Vm gone = last.toBuilder().setState(VmState.VM_STATE_DELETED).setStateReason("deleted").setQemuPid(0).setQemuRunState("").build();
          send(gone, gone.getState(), "deleted", VmMapping.timestamp(Instant.now()));
        }
        synchronized (stream) {
          stream.onCompleted();
        }
        return false;
      }
      if (changed(last, current)) {
        send(current, current.getState(), current.getStateReason(), current.getStateChangedAt());
      }
      last = current;
      seq = Math.max(seq, current.getStateSeq());
      return true;
    }

    void send(Vm vm, VmState state, String reason, Timestamp at) {
      synchronized (stream) {
        stream.onNext(VmEvent.newBuilder().setVm(vm).setState(state).setReason(reason).setAt(at).build());
      }
    }

    void fail(StatusRuntimeException e) {
      if (!stream.isCancelled()) {
        synchronized (stream) {
          stream.onError(e);
        }
      }
    }
  }

  private static boolean changed(Vm before, Vm after) {
    return before.getState() != after.getState()
        || !Objects.equals(before.getStateReason(), after.getStateReason())
        || before.getQemuPid() != after.getQemuPid()
        || !Objects.equals(before.getQemuRunState(), after.getQemuRunState());
  }

  @Override
  public void close() {
    ticks.shutdownNow();
    reads.shutdownNow();
  }
}
