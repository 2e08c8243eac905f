package io.plasmavmc.support;

import com.uber.m3.tally.RootScopeBuilder;
import com.uber.m3.util.Duration;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.temporal.common.reporter.MicrometerClientStatsReporter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * How a worker or the gateway reaches Temporal: its address and namespace and, for a secured
 * cluster, TLS ({@code tlsCa} to trust, {@code tlsServerName} if the certificate names another
 * host), mutual TLS ({@code tlsCert}, {@code tlsKey}: PEM, PKCS#8) and an API key (sent as a
 * bearer token, as Temporal Cloud expects). Unset values mean plaintext, as on loopback.
 */
public record TemporalConnection(String address, String namespace, Path tlsCa, Path tlsCert, Path tlsKey, String tlsServerName,
    String apiKey) {
  public TemporalConnection {
    address = address == null || address.isBlank() ? "127.0.0.1:7233" : address;
    namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("Temporal mutual TLS needs both a client certificate and its key");
    }
  }

  public static TemporalConnection plain(String address) {
    return new TemporalConnection(address, null, null, null, null, null, null);
  }

  public boolean tls() {
    return tlsCa != null || tlsCert != null;
  }

  /** Stub options for this connection (target, TLS, API key); add to them what else the caller needs. */
  public WorkflowServiceStubsOptions.Builder stubOptions() {
    return stubOptions(null);
  }

  /** The same, reporting the Temporal SDK's own metrics (requests, polls, task latencies) to {@code registry} if given. */
  public WorkflowServiceStubsOptions.Builder stubOptions(MeterRegistry registry) {
    WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder().setTarget(address);
    if (registry != null) {
      options.setMetricsScope(new RootScopeBuilder()
          .reporter(new MicrometerClientStatsReporter(registry))
          .reportEvery(Duration.ofSeconds(1)));
    }
    if (tls()) {
      try {
        SslContextBuilder tls = GrpcSslContexts.forClient();
        if (tlsCa != null) {
          tls.trustManager(tlsCa.toFile());
        }
        if (tlsCert != null) {
          tls.keyManager(tlsCert.toFile(), tlsKey.toFile());
        }
        options.setSslContext(tls.build());
      } catch (SSLException e) {
        throw new IllegalArgumentException("cannot use the TLS files for Temporal: " + e.getMessage(), e);
      }
      if (tlsServerName != null && !tlsServerName.isBlank()) {
        options.setChannelInitializer(channel -> channel.overrideAuthority(tlsServerName));
      }
    }
    if (apiKey != null && !apiKey.isBlank()) {
      options.addApiKey(() -> apiKey);
    }
    return options;
  }

  /** Connects, reporting the Temporal SDK's metrics to {@code registry} (null: none). */
  public WorkflowServiceStubs connect(MeterRegistry registry) {
    return WorkflowServiceStubs.newServiceStubs(stubOptions(registry).build());
  }
}
