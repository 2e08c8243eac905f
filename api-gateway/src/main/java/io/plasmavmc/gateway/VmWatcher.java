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
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * WatchVm: one feed per watched VM, however many streams follow it, reads the VM's workflow (a
 * query, which writes nothing to history) every {@code interval} and hands each stream every change
 * of state, reason, QEMU pid or run state after the last one it saw. The host monitor signals the
 * workflow within milliseconds of what QEMU does, so with the default 100 ms a watcher sees a
 * change well inside a second. Streams are bounded, per caller and in all: past a bound,
 * RESOURCE_EXHAUSTED naming it.
 */
public final class VmWatcher extends PolledFeeds<VmWatcher.Subscriber> {
  public static final int MAX_STREAMS_PER_CALLER = 32;
  static final int MAX_STREAMS = 1024;

  private final VmDirectory directory;

  VmWatcher(VmDirectory directory, Duration interval) {
    super("watch-vm", interval, new StreamBounds("WatchVm streams", MAX_STREAMS_PER_CALLER, MAX_STREAMS));
    this.directory = directory;
  }

  void watch(String name, ServerCallStreamObserver<VmEvent> stream) {
    follow(name, caller -> {
      VmRecord first = directory.describe(name); // NOT_FOUND before the stream starts
      Subscriber subscriber = new Subscriber(stream, caller, VmMapping.toProto(first), first.stateSeq());
      subscriber.send(subscriber.last, subscriber.last.getState(), subscriber.last.getStateReason(), subscriber.last.getStateChangedAt());
      return subscriber;
    });
  }

  @Override
  List<Subscriber> read(String name, Collection<Subscriber> subscribers) {
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
    List<StateChange> seen = changes;
    Vm now = current;
    return subscribers.stream().filter(subscriber -> !subscriber.deliver(seen, now)).toList();
  }

  /** One stream: what it has seen so far. */
  static final class Subscriber extends FeedStream<VmEvent> {
    Vm last;
    long seq;

    Subscriber(ServerCallStreamObserver<VmEvent> stream, String caller, Vm first, long seq) {
      super(stream, caller);
      this.last = first;
      this.seq = seq;
    }

    /** Sends what changed since this stream's last event; false once the stream is over. */
    boolean deliver(List<StateChange> changes, Vm current) {
      if (cancelled()) {
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
        complete();
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
      send(VmEvent.newBuilder().setVm(vm).setState(state).setReason(reason).setAt(at).build());
    }
  }

  private static boolean changed(Vm before, Vm after) {
    return before.getState() != after.getState()
        || !Objects.equals(before.getStateReason(), after.getStateReason())
        || before.getQemuPid() != after.getQemuPid()
        || !Objects.equals(before.getQemuRunState(), after.getQemuRunState());
  }
}
