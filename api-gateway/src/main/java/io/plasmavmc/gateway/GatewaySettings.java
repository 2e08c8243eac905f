package io.plasmavmc.gateway;

import io.plasmavmc.contract.TaskQueues;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * The gateway's configuration: its address and port (0: any free port), the host that calls about
 * one host's things go to when a request names none (ListOrphans, ImageService; a new VM, and
 * each VM of a lifecycle test run, is placed by the fleet instead), how long an operation waits for a host's worker
 * before failing as UNAVAILABLE, and how calls are authenticated.
 */
public record GatewaySettings(String bindAddress, int port, String defaultHostId, Duration hostTaskTimeout, GatewaySecurity security) {
  public GatewaySettings {
    bindAddress = bindAddress == null || bindAddress.isBlank() ? "127.0.0.1" : bindAddress;
    if (security == null) {
      throw new IllegalArgumentException("the gateway authenticates every call: configure a tokens file or mutual TLS");
    }
    checkExposure(bindAddress, security.tls());
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0 (any free port) to 65535: " + port);
    }
    defaultHostId = defaultHostId == null || defaultHostId.isBlank() ? TaskQueues.localHostId() : defaultHostId;
    hostTaskTimeout = hostTaskTimeout == null ? Duration.ofSeconds(15) : hostTaskTimeout;
  }

  /** An API off loopback must be served over TLS: tokens would cross the network in clear text. */
  public static void checkExposure(String bindAddress, boolean tls) {
    if (!tls && !loopback(bindAddress)) {
      throw new IllegalArgumentException("refusing to serve the API on " + bindAddress + " without TLS: tokens would cross the network "
          + "in clear text; give a certificate and key (--tls-cert/--tls-key, plasmavmc.gateway.tls-cert/tls-key) or bind to 127.0.0.1");
    }
  }

  private static boolean loopback(String address) {
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
