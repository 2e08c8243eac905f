package io.plasmavmc.gateway;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;

/** How every unary call of the gateway ends: its result, the gRPC status it failed with, or INTERNAL without detail. */
final class UnaryCalls {
  private UnaryCalls() {}

  /**
   * Answers one unary call: its result, or the gRPC status it failed with (logged when
   * {@code logged} says so), or INTERNAL for anything unexpected, which is always logged.
   */
  static <T> void answer(Logger log, String rpc, String subject, StreamObserver<T> response, Predicate<StatusRuntimeException> logged,
      Supplier<T> call) {
    try {
      T result = call.get();
      response.onNext(result);
      response.onCompleted();
    } catch (StatusRuntimeException e) {
      if (logged.test(e)) {
        log.info("{} {}: {}", rpc, subject, e.getStatus());
      }
      response.onError(e);
    } catch (RuntimeException e) {
      log.error("{} {} failed", rpc, subject);
      response.onError(Failures.internal(e));
    }
  }
}
