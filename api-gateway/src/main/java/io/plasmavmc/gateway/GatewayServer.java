package io.plasmavmc.gateway;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.contract.fleet.FleetClient;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server: VmService, LifecycleTestService, ImageService, HostService, server reflection
 * (so grpcurl needs no .proto files) and health.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  private final WorkflowClient client;
  private final GatewaySettings settings;
  private final HealthStatusManager health = new HealthStatusManager();
  private Server server;
  private VmWatcher watcher;
  private LifecycleTestWatcher testRunWatcher;

  private final MeterRegistry registry;
  private VmCensus census;

  public GatewayServer(WorkflowClient client, GatewaySettings settings) {
    this(client, settings, new SimpleMeterRegistry());
  }

  /** With the registry its meters go to: operations by RPC and outcome, WatchVm and WatchLifecycleTestRun streams, VMs by host and state. */
  public GatewayServer(WorkflowClient client, GatewaySettings settings, MeterRegistry registry) {
    this.client = client;
    this.settings = settings;
    this.registry = registry;
  }

  /** Brings the scrape-time gauges (VMs by host and state) up to date: run it before each scrape. */
  public void refreshGauges() {
    if (census != null) {
      census.refresh();
    }
  }

  @SuppressWarnings("deprecation") // v1alpha reflection too: older grpcurl versions ask for it
  public GatewayServer start() {
    VmDirectory directory = new VmDirectory(client, settings.hostTaskTimeout());
    watcher = new VmWatcher(directory, Duration.ofMillis(100));
    Gauge.builder("plasmavmc_watch_streams", watcher, VmWatcher::streams)
        .description("WatchVm streams open").register(registry);
    LifecycleTestRuns runs = new LifecycleTestRuns(client, settings.hostTaskTimeout());
    testRunWatcher = new LifecycleTestWatcher(runs, Duration.ofMillis(200));
    Gauge.builder("plasmavmc_test_run_watch_streams", testRunWatcher, LifecycleTestWatcher::streams)
        .description("WatchLifecycleTestRun streams open").register(registry);
    census = new VmCensus(client, registry);
    VmService service = new VmService(directory, new VmLister(directory), watcher, settings.defaultHostId());
    GatewaySecurity security = settings.security();
    Tokens tokens = security.tokensFile() == null ? null : Tokens.load(security.tokensFile());
    Authenticator authenticator = new Authenticator(tokens);
    OperationMeters meters = new OperationMeters(registry);
    try {
      NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(settings.bindAddress(), settings.port()));
      if (security.tls()) {
        SslContextBuilder tls = GrpcSslContexts.forServer(security.tlsCert().toFile(), security.tlsKey().toFile());
        if (security.clientCa() != null) {
          // With tokens too, a client certificate is one way in, not the only one.
          tls.trustManager(security.clientCa().toFile()).clientAuth(tokens == null ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        builder.sslContext(tls.build());
      }
      server = builder
          .addService(ServerInterceptors.intercept(service, authenticator, meters))
          .addService(ServerInterceptors.intercept(new LifecycleTestService(runs, testRunWatcher, settings.hostTaskTimeout()),
              authenticator, meters))
          .addService(ServerInterceptors.intercept(new ImageService(new ImageStore(client, settings.hostTaskTimeout()),
              settings.defaultHostId()), authenticator, meters))
          .addService(ServerInterceptors.intercept(new HostService(new HostDirectory(new FleetClient(client))), authenticator, meters))
          .addService(ProtoReflectionServiceV1.newInstance())
          .addService(ProtoReflectionService.newInstance())
          .addService(health.getHealthService())
          .build()
          .start();
    } catch (SSLException e) {
      throw new IllegalArgumentException("cannot use the TLS certificate, key or client CA: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on port " + settings.port(), e);
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(VmServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(ImageServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    health.setStatus(HostServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    log.info("gateway listening on {}:{} (gRPC plasmavmc.v1.VmService, ImageService, HostService, LifecycleTestService, reflection, "
        + "health; {}{}); new VMs are placed by the fleet unless a request names their host; default host of orphans and images: {}",
        settings.bindAddress(), port(), security.tls() ? (security.clientCa() != null ? "mutual TLS" : "TLS") : "plaintext on loopback",
        tokens == null ? "" : ", " + tokens.size() + " bearer token(s)", settings.defaultHostId());
    return this;
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    if (server == null) {
      return;
    }
    health.enterTerminalState();
    watcher.close();
    testRunWatcher.close();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("gateway stopped");
  }
}
