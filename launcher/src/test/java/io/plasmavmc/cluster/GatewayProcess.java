package io.plasmavmc.cluster;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.cli.BearerToken;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One gateway as production runs it (`plasmavmc gateway`, Spring Boot, the compose's
 * plasmavmc-gateway), in its own JVM in the root namespace: it reaches Temporal over the test
 * network and serves gRPC on loopback (plaintext is allowed only there), with the tokens file.
 */
final class GatewayProcess {
  static final String READY_LINE = "gateway listening on";
  private static final Duration READY_LIMIT = Duration.ofSeconds(120);

  private final String name;
  private final int port;
  private final LoggedProcess process;
  private ManagedChannel channel;

  GatewayProcess(String name, String temporalAddress, int port, Path tokensFile, String defaultHostId, Path dir, Path logs) {
    this.name = name;
    this.port = port;
    process = new LoggedProcess(name, List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx384m",
        "-cp", System.getProperty("java.class.path"), "io.plasmavmc.launcher.PlasmaVmc", "gateway",
        "--plasmavmc.temporal.address=" + temporalAddress,
        "--plasmavmc.gateway.bind-address=127.0.0.1",
        "--plasmavmc.gateway.port=" + port,
        "--plasmavmc.gateway.tokens-file=" + tokensFile,
        "--plasmavmc.gateway.default-host-id=" + defaultHostId),
        null, dir, logs.resolve(name + ".log"));
  }

  GatewayProcess start() {
    process.start();
    return this;
  }

  void awaitReady() {
    process.awaitLine(READY_LINE, READY_LIMIT);
    channel = Grpc.newChannelBuilder("127.0.0.1:" + port, InsecureChannelCredentials.create()).build();
  }

  /** VmService through this gateway, as the holder of {@code token}. */
  VmServiceGrpc.VmServiceBlockingStub vms(BearerToken token) {
    return VmServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
  }

  /** HostService through this gateway, as the holder of {@code token}. */
  HostServiceGrpc.HostServiceBlockingStub hosts(BearerToken token) {
    return HostServiceGrpc.newBlockingStub(channel).withCallCredentials(token);
  }

  String name() {
    return name;
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  void stop() {
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    process.stop(Duration.ofSeconds(15));
  }
}
