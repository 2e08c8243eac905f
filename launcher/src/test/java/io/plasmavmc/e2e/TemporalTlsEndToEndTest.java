package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestTools;
import io.plasmavmc.launcher.TemporalCli;
import io.plasmavmc.launcher.TemporalDevServer;
import io.plasmavmc.support.TemporalConnection;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The worker's and gateway's connection to a secured Temporal: TLS with the cluster's CA and a
 * client certificate (mutual TLS). The dev server speaks plaintext only, so nginx, as a TLS front
 * that verifies client certificates (as a production ingress would), stands before it.
 */
class TemporalTlsEndToEndTest {
  @Test
  void workersReachATemporalThatRequiresMutualTls() throws Exception {
    Path data = Files.createTempDirectory("plasmavmc-tls-temporal");
    int temporalPort = PlasmaVmcHarness.freePort();
    int tlsPort = PlasmaVmcHarness.freePort();
    try (TestPki pki = new TestPki("worker");
        TemporalDevServer temporal = TemporalDevServer.start(new TemporalDevServer.Settings(TemporalCli.find().orElseThrow(),
            temporalPort, -1, data), Duration.ofSeconds(60))) {
      Process nginx = nginx(pki, data, tlsPort, temporalPort);
      try {
        String address = "127.0.0.1:" + tlsPort;
        assertEquals("default", describe(new TemporalConnection(address, "default", pki.file("ca.crt"), pki.file("worker.crt"),
            pki.file("worker.key"), null, null)), "mutual TLS with the cluster's CA and a client certificate");
        assertThrows(StatusRuntimeException.class, () -> describe(new TemporalConnection(address, "default", pki.file("ca.crt"),
            null, null, null, null)), "no client certificate: refused");
        assertThrows(StatusRuntimeException.class, () -> describe(TemporalConnection.plain(address)), "plaintext to a TLS port: refused");
      } finally {
        nginx.destroy();
        nginx.waitFor(10, TimeUnit.SECONDS);
      }
    } finally {
      ScratchDirectories.delete(data);
    }
  }

  private static String describe(TemporalConnection connection) {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(connection.stubOptions().build());
    try {
      return stubs.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(connection.namespace()).build())
          .getNamespaceInfo().getName();
    } finally {
      stubs.shutdownNow();
    }
  }

  /** nginx terminating TLS on {@code tlsPort} (client certificates required) and passing gRPC to {@code temporalPort}. */
  private static Process nginx(TestPki pki, Path dir, int tlsPort, int temporalPort) throws Exception {
    Path conf = dir.resolve("nginx.conf");
    Files.writeString(conf, String.join("\n",
        "worker_processes 1;",
        "pid " + dir.resolve("nginx.pid") + ";",
        "error_log " + dir.resolve("nginx-error.log") + ";",
        "events {}",
        "http {",
        "  access_log off;",
        "  client_body_temp_path " + dir.resolve("nginx-body") + ";",
        "  proxy_temp_path " + dir.resolve("nginx-proxy") + ";",
        "  fastcgi_temp_path " + dir.resolve("nginx-fastcgi") + ";",
        "  uwsgi_temp_path " + dir.resolve("nginx-uwsgi") + ";",
        "  scgi_temp_path " + dir.resolve("nginx-scgi") + ";",
        "  server {",
        "    listen 127.0.0.1:" + tlsPort + " ssl http2;",
        "    ssl_certificate " + pki.file("server.crt") + ";",
        "    ssl_certificate_key " + pki.file("server.key") + ";",
        "    ssl_client_certificate " + pki.file("ca.crt") + ";",
        "    ssl_verify_client on;",
        "    location / { grpc_pass grpc://127.0.0.1:" + temporalPort + "; grpc_read_timeout 300s; }",
        "  }",
        "}", ""));
    Process nginx = new ProcessBuilder(TestTools.require("/usr/sbin/nginx", "nginx-light").toString(), "-c", conf.toString(), "-p", dir.toString(), "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket socket = new Socket("127.0.0.1", tlsPort)) {
        return nginx;
      } catch (IOException e) {
        assertTrue(nginx.isAlive(), "nginx ended: " + Files.readString(dir.resolve("nginx.out")));
        assertTrue(System.nanoTime() < deadline, "nginx did not listen");
        Thread.sleep(20);
      }
    }
  }
}
