package io.plasmavmc.gateway;

import io.grpc.stub.ServerCallStreamObserver;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunEvent;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import io.plasmavmc.contract.testrun.LifecycleTestWatch;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * WatchLifecycleTestRun: one feed per watched run, however many streams follow it, asks the run's
 * workflow (a query, which writes nothing to history) every {@code interval} for the events of its
 * attempts after the last one its streams saw, and hands each stream those after its own last; once
 * the run has ended, each stream gets the whole run and ends. The run numbers its events and keeps
 * the newest, so a stream misses none between two reads. Bounded per caller and in all, as WatchVm
 * is: past a bound, RESOURCE_EXHAUSTED naming it.
 */
final class LifecycleTestWatcher extends PolledFeeds<LifecycleTestWatcher.Subscriber> {
  static final int MAX_STREAMS_PER_CALLER = 16;
  static final int MAX_STREAMS = 256;

  private final LifecycleTestRuns runs;

  LifecycleTestWatcher(LifecycleTestRuns runs, Duration interval) {
    super("watch-test-run", interval, new StreamBounds("WatchLifecycleTestRun streams", MAX_STREAMS_PER_CALLER, MAX_STREAMS));
    this.runs = runs;
  }

  void watch(String runId, ServerCallStreamObserver<LifecycleTestRunEvent> stream) {
    follow(runId, caller -> {
      LifecycleTestWatch now = runs.watch(runId, Long.MAX_VALUE, true); // NOT_FOUND before the stream starts
      Subscriber subscriber = new Subscriber(stream, caller, now.seq());
      subscriber.send(LifecycleTestMapping.runEvent(now.run(), false));
      if (ended(now.run())) {
        subscriber.end(now.run());
      }
      return subscriber;
    });
  }

  @Override
  List<Subscriber> read(String runId, Collection<Subscriber> subscribers) {
    long since = subscribers.stream().mapToLong(s -> s.seq).min().orElse(Long.MAX_VALUE);
    LifecycleTestWatch view = runs.watch(runId, since, false);
    // Once the run has ended its attempts change no more: the whole run, once for every stream.
    LifecycleTestReport ended = ended(view.run()) ? runs.get(runId) : null;
    LifecycleTestRun counts = LifecycleTestMapping.toProto(view.run(), false);
    return subscribers.stream().filter(subscriber -> !subscriber.deliver(view, counts, ended)).toList();
  }

  private static boolean ended(LifecycleTestReport run) {
    return run.state() != LifecycleTestReport.State.RUNNING;
  }

  /** One stream: the number of the last event it got. */
  static final class Subscriber extends FeedStream<LifecycleTestRunEvent> {
    long seq;
    private boolean over;

    Subscriber(ServerCallStreamObserver<LifecycleTestRunEvent> stream, String caller, long seq) {
      super(stream, caller);
      this.seq = seq;
    }

    /** Sends the events after this stream's last, then the run if it {@code ended}; false once the stream is over. */
    boolean deliver(LifecycleTestWatch view, LifecycleTestRun counts, LifecycleTestReport ended) {
      if (over || cancelled()) {
        return false;
      }
      for (LifecycleTestWatch.AttemptEvent event : view.events()) {
        if (event.seq() > seq) {
          send(LifecycleTestMapping.attemptEvent(event, counts));
          seq = event.seq();
        }
      }
      if (ended != null) {
        end(ended);
      }
      return !over;
    }

    void end(LifecycleTestReport run) {
      send(LifecycleTestMapping.runEvent(run, true));
      complete();
      over = true;
    }
  }
}
