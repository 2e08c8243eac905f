package io.plasmavmc.worker;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a worker asks Temporal to route a workflow's next tasks to its sticky queue.
 *
 * <p>A real Temporal server gives a sticky queue up after a few seconds without a poller, so a
 * worker that dies strands nothing. Temporal's in-memory server (our embedded default) never
 * does: every later task and every query of the dead worker's workflows waits in that queue
 * forever. Against it ({@code auto}: a server that reports no version) or when told ({@code
 * off}), this filter drops the sticky attributes from each completed workflow task, so tasks stay
 * on the shared control queue that every worker polls. The worker's cache still serves it; a task
 * that arrives with the full history is replayed, which is what a real server's fallback costs
 * too.
 */
public final class StickyQueueFilter implements ClientInterceptor {
  private static final Logger log = LoggerFactory.getLogger(StickyQueueFilter.class);

  public enum Mode {
    AUTO, ON, OFF;

    public static Mode parse(String value) {
      if (value == null || value.isBlank()) {
        return AUTO;
      }
      return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "auto" -> AUTO;
        case "on" -> ON;
        case "off" -> OFF;
        default -> throw new IllegalArgumentException("sticky-queues must be auto, on or off: " + value);
      };
    }
  }

  /** Null until the server has been asked (AUTO), then whether sticky queues are dropped. */
  private volatile Boolean dropSticky;

  public StickyQueueFilter(Mode mode) {
    this.dropSticky = switch (mode) {
      case ON -> false;
      case OFF -> true;
      case AUTO -> null;
    };
  }

  /** Whether this filter drops sticky queues; null while AUTO has not asked the server yet. */
  public Boolean dropsSticky() {
    return dropSticky;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    ClientCall<Q, R> call = next.newCall(method, options);
    if (!method.equals(WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod()) || !drop(next)) {
      return call;
    }
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void sendMessage(Q message) {
        if (message instanceof RespondWorkflowTaskCompletedRequest request && request.hasStickyAttributes()) {
          @SuppressWarnings("unchecked")
          Q withoutSticky = (Q) request.toBuilder().clearStickyAttributes().build();
          super.sendMessage(withoutSticky);
        } else {
          super.sendMessage(message);
        }
      }
    };
  }

  private boolean drop(Channel channel) {
    Boolean known = dropSticky;
    if (known != null) {
      return known;
    }
    // Asked on the first completed task rather than at connect: the server is surely up by then.
    try {
      String version = WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance()).getServerVersion();
      boolean inMemory = version.isBlank();
      if (inMemory) {
        log.info("Temporal reports no server version (Temporal's in-memory server): sticky queues off, "
            + "so a worker that dies leaves no workflow behind (sticky-queues=on overrides)");
      }
      dropSticky = inMemory;
      return inMemory;
    } catch (StatusRuntimeException e) {
      log.warn("could not ask Temporal for its version ({}); keeping sticky queues for this task", e.getStatus());
      return false;
    }
  }
}
