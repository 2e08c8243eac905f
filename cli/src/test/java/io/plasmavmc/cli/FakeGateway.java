package io.plasmavmc.cli;

import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A gateway on a real port that answers what a test tells it to and checks the token, as the real one does. */
final class FakeGateway implements AutoCloseable {
  static final String TOKEN = "secret-token";
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** The methods called, in order ("GetVm", ...): what vmctl sent. */
  final List<String> calls = new CopyOnWriteArrayList<>();
  private final Server server;

  FakeGateway(BindableService... services) throws IOException {
    var builder = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create());
    for (BindableService service : services) {
      builder.addService(ServerInterceptors.intercept(service, new TokenCheck()));
    }
    server = builder.build().start();
  }

  String target() {
    return "127.0.0.1:" + server.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private final class TokenCheck implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
      calls.add(call.getMethodDescriptor().getBareMethodName());
      if (!("Bearer " + TOKEN).equals(headers.get(AUTHORIZATION))) {
        call.close(Status.UNAUTHENTICATED.withDescription("no valid bearer token"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }
}
