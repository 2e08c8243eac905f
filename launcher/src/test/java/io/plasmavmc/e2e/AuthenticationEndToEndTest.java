package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.plasmavmc.api.v1.CancelLifecycleTestRunRequest;
import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.ListOrphansRequest;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.cli.Vmctl;
import io.plasmavmc.gateway.GatewaySecurity;
import io.plasmavmc.gateway.GatewayServer;
import io.plasmavmc.gateway.GatewaySettings;
import io.plasmavmc.gateway.Role;
import io.plasmavmc.gateway.Tokens;
import io.plasmavmc.launcher.LocalCredentials;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every call to the gateway is authenticated, in one interceptor: bearer tokens with the roles
 * viewer, operator and admin, TLS and mutual TLS (a client certificate's OU is its role); health
 * and reflection stay open; vmctl finds the local stack's token by itself. Certificates are made
 * with openssl for each run.
 */
class AuthenticationEndToEndTest {
  private static PlasmaVmcHarness plasma;
  private static TestPki tls;
  private static Path pki;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(3));
    tls = new TestPki("viewer", "admin");
    pki = tls.dir;
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
    tls.close();
  }

  private static StatusRuntimeException fails(Status.Code code, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }

  /** A gateway of its own on the harness's Temporal, with {@code security}. */
  private static GatewayServer gateway(GatewaySecurity security) {
    return new GatewayServer(plasma.stack.client(), new GatewaySettings("127.0.0.1", 0, "e2e-host", Duration.ofSeconds(3),
        security)).start();
  }

  @Test
  void callsWithoutAValidTokenAreRefusedAndEachRoleMayDoItsShare() throws Exception {
    String viewer = Tokens.newToken();
    String operator = Tokens.newToken();
    String admin = Tokens.newToken();
    Path tokens = Files.writeString(pki.resolve("tokens"), String.join("\n", Tokens.line(Role.VIEWER, viewer),
        Tokens.line(Role.OPERATOR, operator), Tokens.line(Role.ADMIN, admin)) + "\n");
    GatewayServer gateway = gateway(GatewaySecurity.tokens(tokens));
    ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + gateway.port(), InsecureChannelCredentials.create()).build();
    try {
      VmServiceGrpc.VmServiceBlockingStub anonymous = VmServiceGrpc.newBlockingStub(channel);
      assertTrue(fails(Status.Code.UNAUTHENTICATED, () -> anonymous.getVm(GetVmRequest.newBuilder().setName("x").build()))
          .getStatus().getDescription().contains("Bearer"));
      fails(Status.Code.UNAUTHENTICATED, () -> anonymous.withCallCredentials(new BearerToken("not-a-token"))
          .listVms(ListVmsRequest.getDefaultInstance()));
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
          .check(HealthCheckRequest.newBuilder().setService("plasmavmc.v1.VmService").build()).getStatus(), "health stays open");

      VmServiceGrpc.VmServiceBlockingStub asViewer = anonymous.withCallCredentials(new BearerToken(viewer));
      asViewer.listVms(ListVmsRequest.getDefaultInstance());
      fails(Status.Code.NOT_FOUND, () -> asViewer.getVm(GetVmRequest.newBuilder().setName("nobody").build())); // past the check
      assertTrue(fails(Status.Code.PERMISSION_DENIED, () -> asViewer.stopVm(StopVmRequest.newBuilder().setName("nobody").build()))
          .getStatus().getDescription().contains("needs operator"));

      VmServiceGrpc.VmServiceBlockingStub asOperator = anonymous.withCallCredentials(new BearerToken(operator));
      fails(Status.Code.NOT_FOUND, () -> asOperator.stopVm(StopVmRequest.newBuilder().setName("nobody").build()));
      fails(Status.Code.PERMISSION_DENIED, () -> asOperator.listOrphans(ListOrphansRequest.getDefaultInstance()));

      VmServiceGrpc.VmServiceBlockingStub asAdmin = anonymous.withCallCredentials(new BearerToken(admin));
      assertEquals("e2e-host", asAdmin.listOrphans(ListOrphansRequest.getDefaultInstance()).getHostId());

      // Lifecycle test runs: reading them is a viewer's, running and cancelling them an operator's.
      var tests = LifecycleTestServiceGrpc.newBlockingStub(channel);
      var get = GetLifecycleTestRunRequest.newBuilder().setRunId("nobody").build();
      var run = RunLifecycleTestRequest.newBuilder().setRunId("nobody").build();
      fails(Status.Code.UNAUTHENTICATED, () -> tests.getLifecycleTestRun(get));
      fails(Status.Code.NOT_FOUND, () -> tests.withCallCredentials(new BearerToken(viewer)).getLifecycleTestRun(get));
      fails(Status.Code.PERMISSION_DENIED, () -> tests.withCallCredentials(new BearerToken(viewer)).runLifecycleTest(run));
      fails(Status.Code.PERMISSION_DENIED, () -> tests.withCallCredentials(new BearerToken(viewer)).cancelLifecycleTestRun(
          CancelLifecycleTestRunRequest.newBuilder().setRunId("nobody").build()));
      fails(Status.Code.INVALID_ARGUMENT, () -> tests.withCallCredentials(new BearerToken(operator)).runLifecycleTest(run)); // past the check
    } finally {
      channel.shutdownNow();
      gateway.close();
    }
  }

  @Test
  void mutualTlsTakesTheRoleFromTheClientCertificate() throws Exception {
    GatewayServer gateway = gateway(new GatewaySecurity(null, pki.resolve("server.crt"), pki.resolve("server.key"), pki.resolve("ca.crt")));
    ManagedChannel asViewer = tlsChannel(gateway, "viewer");
    ManagedChannel asAdmin = tlsChannel(gateway, "admin");
    ManagedChannel withoutCertificate = tlsChannel(gateway, null);
    try {
      VmServiceGrpc.VmServiceBlockingStub viewer = VmServiceGrpc.newBlockingStub(asViewer);
      viewer.listVms(ListVmsRequest.getDefaultInstance());
      fails(Status.Code.PERMISSION_DENIED, () -> viewer.stopVm(StopVmRequest.newBuilder().setName("nobody").build()));
      assertEquals("e2e-host", VmServiceGrpc.newBlockingStub(asAdmin).listOrphans(ListOrphansRequest.getDefaultInstance()).getHostId());
      fails(Status.Code.UNAVAILABLE, () -> VmServiceGrpc.newBlockingStub(withoutCertificate).listVms(ListVmsRequest.getDefaultInstance()));
    } finally {
      asViewer.shutdownNow();
      asAdmin.shutdownNow();
      withoutCertificate.shutdownNow();
      gateway.close();
    }
  }

  private static ManagedChannel tlsChannel(GatewayServer gateway, String client) throws Exception {
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder().trustManager(pki.resolve("ca.crt").toFile());
    if (client != null) {
      tls.keyManager(pki.resolve(client + ".crt").toFile(), pki.resolve(client + ".key").toFile());
    }
    ChannelCredentials credentials = tls.build();
    return Grpc.newChannelBuilder("127.0.0.1:" + gateway.port(), credentials).build();
  }

  @Test
  void anApiOffLoopbackWithoutTlsIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GatewaySettings("0.0.0.0", 0, "h", null,
        GatewaySecurity.tokens(pki.resolve("tokens"))));
    assertTrue(e.getMessage().contains("without TLS"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new GatewaySecurity(null, null, null, null), "no way to authenticate");
  }

  @Test
  void vmctlFindsTheLocalStacksTokenByItself() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new Vmctl(new PrintStream(out, true), new PrintStream(err, true), plasma.configDir)
        .run(new String[] {"--server", "127.0.0.1:" + plasma.stack.grpcPort(), "orphans"});
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().contains("no orphan"), out.toString());

    ByteArrayOutputStream refused = new ByteArrayOutputStream();
    int anonymous = new Vmctl(new PrintStream(new ByteArrayOutputStream(), true), new PrintStream(refused, true), pki.resolve("no-such-dir"))
        .run(new String[] {"--server", "127.0.0.1:" + plasma.stack.grpcPort(), "list"});
    assertEquals(6, anonymous, "vmctl's exit code for UNAUTHENTICATED and PERMISSION_DENIED");
    assertTrue(refused.toString().contains("UNAUTHENTICATED"), refused.toString());
  }

  @Test
  void vmctlSpeaksMutualTls() throws Exception {
    GatewayServer gateway = gateway(new GatewaySecurity(null, pki.resolve("server.crt"), pki.resolve("server.key"), pki.resolve("ca.crt")));
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      Vmctl noToken = new Vmctl(new PrintStream(out, true), new PrintStream(err, true), pki.resolve("no-such-dir"));
      String server = "127.0.0.1:" + gateway.port();
      assertEquals(0, noToken.run("orphans", "--server", server, "--ca", pki.resolve("ca.crt").toString(),
          "--cert", pki.resolve("admin.crt").toString(), "--key", pki.resolve("admin.key").toString()), err.toString());
      assertTrue(out.toString().contains("no orphan QEMU processes on host e2e-host"), out.toString());
      assertEquals(6, noToken.run("stop", "nobody", "--server", server, "--ca", pki.resolve("ca.crt").toString(),
          "--cert", pki.resolve("viewer.crt").toString(), "--key", pki.resolve("viewer.key").toString()), "a viewer may not stop");
      assertTrue(err.toString().contains("PERMISSION_DENIED"), err.toString());
    } finally {
      gateway.close();
    }
  }

  @Test
  void theLocalStacksTokenFilesArePrivate() throws Exception {
    for (Path file : List.of(LocalCredentials.tokenFile(plasma.configDir),
        LocalCredentials.tokensFile(plasma.configDir))) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
    }
  }
}
