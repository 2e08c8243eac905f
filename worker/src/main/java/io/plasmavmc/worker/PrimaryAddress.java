package io.plasmavmc.worker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.Optional;

/**
 * This host's address on its network, when none is configured: the one its default route leaves
 * from (a UDP socket "connected" to a documentation address picks it; nothing is sent), or else
 * the first IPv4 address of an interface that is up and not loopback (a host, or a network
 * namespace, without a default route), or else loopback. The host name is no help: Debian maps it
 * to 127.0.1.1.
 */
final class PrimaryAddress {
  private static final String TEST_NET = "192.0.2.1";

  private PrimaryAddress() {}

  static String find() {
    return viaDefaultRoute().or(PrimaryAddress::firstInterfaceAddress).orElse(InetAddress.getLoopbackAddress().getHostAddress());
  }

  private static Optional<String> viaDefaultRoute() {
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.connect(InetAddress.getByName(TEST_NET), 9);
      InetAddress local = socket.getLocalAddress();
      return local == null || local.isAnyLocalAddress() || local.isLoopbackAddress() ? Optional.empty() : Optional.of(local.getHostAddress());
    } catch (IOException | UncheckedIOException e) {
      return Optional.empty(); // no route: the network is unreachable from here
    }
  }

  private static Optional<String> firstInterfaceAddress() {
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            return Optional.of(address.getHostAddress());
          }
        }
      }
    } catch (SocketException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
