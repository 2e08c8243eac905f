package io.plasmavmc.launcher;

import io.temporal.testserver.TestServer;

/**
 * Temporal's Java in-memory server bound to a port (real time, no time skipping): the fallback
 * where no Temporal CLI can be had. It keeps nothing across a restart.
 */
final class InMemoryTemporal implements TemporalServer {
  private final TestServer.PortBoundTestServer server;
  private final int port;

  private InMemoryTemporal(TestServer.PortBoundTestServer server, int port) {
    this.server = server;
    this.port = port;
  }

  static InMemoryTemporal start(int port) {
    return new InMemoryTemporal(TestServer.createPortBoundServer(port, true), port);
  }

  @Override
  public String address() {
    return "127.0.0.1:" + port;
  }

  @Override
  public boolean keepsHistory() {
    return false;
  }

  @Override
  public String summary() {
    return "Temporal IN-MEMORY server " + address() + "   (no Web UI; every VM's workflow is lost when PlasmaVMC stops)";
  }

  @Override
  public void close() {
    server.close();
  }
}
