package io.plasmavmc.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Ports on one address: the well-known one where it is free (so the cluster's addresses read as
 * the compose's: Temporal on :7233, PostgreSQL on :5432), else any free one. Each port is handed
 * out once.
 */
final class Ports {
  private final String address;
  private final Set<Integer> given = new HashSet<>();

  Ports(String address) {
    this.address = address;
  }

  int prefer(int port) {
    if (!given.contains(port) && free(port)) {
      given.add(port);
      return port;
    }
    for (int attempt = 0; attempt < 20; attempt++) {
      int any = bind(0);
      if (any > 0 && given.add(any)) {
        return any;
      }
    }
    throw new IllegalStateException("no free port on " + address);
  }

  private boolean free(int port) {
    return bind(port) == port;
  }

  /** Binds and releases {@code port} on the address (0: any); the port bound, or -1 if it was taken. */
  private int bind(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(address, port));
      return socket.getLocalPort();
    } catch (IOException e) {
      return -1;
    }
  }
}
