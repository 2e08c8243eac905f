package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.workflow.VmRecord;
import java.time.Duration;
import io.plasmavmc.workflow.StateChange;
import io.plasmavmc.workflow.VmWatch;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WatchVm: reads the VM's workflow (a query, which writes nothing to history) every
 * {@code interval} and streams each change of state, reason, QEMU pid or run state. The host
 * monitor signals the workflow within milliseconds of what QEMU does, so with the default 100 ms
 * a watcher sees a change well inside a second.
 */
final class VmWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmWatcher.class);

  private final VmDirectory directory;
  private final Duration interval;
  private final ExecutorService threads;

  VmWatcher(VmDirectory directory, Duration interval) {
    this.directory = directory;
    this.interval = interval;
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = runnable -> {
      Thread thread = new Thread(runnable, "watch-vm-" + n.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
    this.threads = Executors.newCachedThreadPool(factory);
  }

  void watch(String name, ServerCallStreamObserver<VmEvent> stream) {
    VmRecord first = directory.describe(name); // NOT_FOUND before the stream starts
    threads.execute(() -> run(name, first, stream));
  }

  private void run(String name, VmRecord first, ServerCallStreamObserver<VmEvent> stream) {
    Vm last = VmMapping.toProto(first);
    long seq = first.stateSeq();
    try {
      send(stream, last, last.getState(), last.getStateReason(), last.getStateChangedAt());
      while (!stream.isCancelled()) {
        Thread.sleep(interval.toMillis());
        List<StateChange> changes;
        Vm current;
        try {
          VmWatch view = directory.watch(name, seq);
          changes = view.changes();
          current = view.vm().state() == io.plasmavmc.host.VmState.DELETED ? null : VmMapping.toProto(view.vm());
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
            throw e;
          }
          changes = List.of();
          current = null;
        }
        for (StateChange change : changes) {
          if (change.seq() <= seq) {
            continue;
          }
          // Each change of state, even one that is over by now, with the VM as it is now.
          VmState state = VmMapping.state(change.state(), change.hostUnreachable());
          Vm vm = (current != null ? current : last).toBuilder().setState(state).setStateReason(change.reason()).build();
          send(stream, vm, state, change.reason(), VmMapping.timestamp(change.at()));
          seq = change.seq();
          last = vm;
        }
        if (current == null) {
          // Deleted: the workflow is gone (or only finishing). Say so, unless the last change did, and end.
          if (last.getState() != VmState.VM_STATE_DELETED) {
            Vm gone = last.toBuilder().setState(VmState.VM_STATE_DELETED).setStateReason("deleted").setQemuPid(0).setQemuRunState("").build();
            send(stream, gone, gone.getState(), "deleted", VmMapping.timestamp(java.time.Instant.now()));
          }
          stream.onCompleted();
          return;
        }
        if (changed(last, current)) {
          send(stream, current, current.getState(), current.getStateReason(), current.getStateChangedAt());
        }
        last = current;
        seq = Math.max(seq, current.getStateSeq());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (StatusRuntimeException e) {
      if (!stream.isCancelled()) {
        stream.onError(e);
      }
    } catch (RuntimeException e) {
      log.warn("WatchVm {} failed", name, e);
      if (!stream.isCancelled()) {
        stream.onError(Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
      }
    }
  }

  private static void send(ServerCallStreamObserver<VmEvent> stream, Vm vm, VmState state, String reason, com.google.protobuf.Timestamp at) {
    synchronized (stream) {
      stream.onNext(VmEvent.newBuilder().setVm(vm).setState(state).setReason(reason).setAt(at).build());
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
    threads.shutdownNow();
  }
}
