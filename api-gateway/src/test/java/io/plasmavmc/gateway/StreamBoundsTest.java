package io.plasmavmc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

/** Streams of one kind, bounded per caller and in all: past a bound RESOURCE_EXHAUSTED naming it, and a released place is free again. */
class StreamBoundsTest {
  private static String admitAs(StreamBounds bounds, String caller) {
    Context call = Context.current().withValue(Authenticator.CALLER, caller);
    Context previous = call.attach();
    try {
      return bounds.admit();
    } finally {
      call.detach(previous);
    }
  }

  @Test
  void aCallerPastItsBoundAndAGatewayPastItsOwnAreRefusedNamingTheBound() {
    StreamBounds bounds = new StreamBounds("WatchLifecycleTestRun streams", 2, 3);
    admitAs(bounds, "token:alice");
    admitAs(bounds, "token:alice");
    StatusRuntimeException perCaller = assertThrows(StatusRuntimeException.class, () -> admitAs(bounds, "token:alice"));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, perCaller.getStatus().getCode());
    assertEquals("WatchLifecycleTestRun streams: at most 2 per caller", perCaller.getStatus().getDescription());

    admitAs(bounds, "token:bob");
    StatusRuntimeException inAll = assertThrows(StatusRuntimeException.class, () -> admitAs(bounds, "token:carol"));
    assertEquals("WatchLifecycleTestRun streams: at most 3 on this gateway", inAll.getStatus().getDescription());
    assertEquals(3, bounds.open(), "refused streams hold no place");

    bounds.release("token:alice");
    assertEquals("token:carol", admitAs(bounds, "token:carol"));
    bounds.release("token:carol");
    assertEquals("anonymous", bounds.admit(), "a stream whose caller has no name counts as anonymous's");
  }
}
