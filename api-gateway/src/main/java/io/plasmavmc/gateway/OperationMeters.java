package io.plasmavmc.gateway;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.VmServiceGrpc;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Every VmService and ImageService call as a Micrometer timer with a histogram, by RPC and outcome (the gRPC status
 * code): {@code plasmavmc_operations_seconds}. WatchVm streams count as their whole life.
 */
final class OperationMeters implements ServerInterceptor {
  /** RPC names are unique across these services: the tags stay rpc and outcome. */
  private static final Set<String> METERED = Set.of(VmServiceGrpc.SERVICE_NAME, ImageServiceGrpc.SERVICE_NAME);

  private final MeterRegistry registry;

  OperationMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!METERED.contains(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String rpc = call.getMethodDescriptor().getBareMethodName();
    long started = System.nanoTime();
    return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        Timer.builder("plasmavmc_operations").description("VmService and ImageService calls by RPC and outcome")
            .tags("rpc", rpc, "outcome", status.getCode().name())
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
            .register(registry).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        super.close(status, trailers);
      }
    }, headers);
  }
}
