package io.plasmavmc.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster's network on this machine: a bridge in the root namespace holding the control plane's
 * address (PostgreSQL and Temporal listen there, as on a site's management network), and one
 * network namespace per host joined to it by a veth link. Everything it makes carries a fixed
 * prefix, so a run killed before its cleanup leaves nothing the next run cannot find and remove.
 */
final class TestNetwork {
  static final String NAMESPACE_PREFIX = "plasmavmc-test-";
  /** Interface names are at most 15 characters: a short prefix for the bridge and the veths' root ends. */
  static final String LINK_PREFIX = "pvmct-";
  static final String SUBNET = "10.88.0.0/24";
  /** The root namespace's end: the control plane (PostgreSQL, Temporal) and the gateways' way to it. */
  static final String CONTROL_ADDRESS = "10.88.0.1";
  private static final String BRIDGE = LINK_PREFIX + "br";
  private static final Duration IP_LIMIT = Duration.ofSeconds(20);

  private final Path ip;
  private final List<HostNamespace> hosts = new ArrayList<>();
  private boolean bridgeMade;

  TestNetwork(Path ip) {
    this.ip = ip;
  }

  /**
   * Removes namespaces and links an earlier run left (killed before its cleanup), with every
   * process in those namespaces; returns their names.
   */
  static List<String> removeLeftovers(Path ip) {
    List<String> removed = new ArrayList<>();
    for (String line : Command.of(ip.toString(), "netns", "list").run(IP_LIMIT).lines().toList()) {
      String name = line.split(" ", 2)[0];
      if (name.startsWith(NAMESPACE_PREFIX)) {
        HostNamespace.killProcessesIn(ip, name);
        Command.of(ip.toString(), "netns", "delete", name).run(IP_LIMIT);
        removed.add(name);
      }
    }
    for (String line : Command.of(ip.toString(), "-o", "link", "show").run(IP_LIMIT).lines().toList()) {
      // "7: pvmct-h1@if2: <BROADCAST,...": the name, without the peer after '@'
      String[] fields = line.split(": ", 3);
      if (fields.length > 1) {
        String name = fields[1].split("@", 2)[0];
        if (name.startsWith(LINK_PREFIX)) {
          Command.of(ip.toString(), "link", "delete", name).attempt(IP_LIMIT); // a veth's peer went with its namespace
          removed.add(name);
        }
      }
    }
    return removed;
  }

  /** Makes the bridge with the control plane's address; refuses a machine where the subnet is already used. */
  TestNetwork start() {
    String routes = Command.of(ip.toString(), "-4", "route", "show", SUBNET).run(IP_LIMIT).strip();
    String addresses = Command.of(ip.toString(), "-4", "-o", "address", "show", "to", SUBNET).run(IP_LIMIT).strip();
    if (!routes.isEmpty() || !addresses.isEmpty()) {
      throw new IllegalStateException("the cluster's test network " + SUBNET + " is already in use on this machine ("
          + (routes + " " + addresses).strip() + "); the harness needs it for itself");
    }
    ip("link", "add", BRIDGE, "type", "bridge");
    bridgeMade = true;
    ip("address", "add", CONTROL_ADDRESS + "/24", "dev", BRIDGE);
    ip("link", "set", BRIDGE, "up");
    return this;
  }

  /** Host number {@code number} (1 to 9) as a namespace with address 10.88.0.1N on the bridge. */
  HostNamespace addHost(int number, String hostId) {
    if (number < 1 || number > 9) {
      throw new IllegalArgumentException("hosts are numbered 1 to 9: " + number);
    }
    HostNamespace host = new HostNamespace(ip, NAMESPACE_PREFIX + hostId, LINK_PREFIX + hostId, "10.88.0.1" + number);
    hosts.add(host);
    host.create(BRIDGE);
    return host;
  }

  /** Ends every process in the hosts' namespaces (their workers and QEMUs), removes the namespaces, their links and the bridge. */
  void close() {
    List<RuntimeException> failures = new ArrayList<>();
    for (HostNamespace host : hosts) {
      try {
        host.delete();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (bridgeMade) {
      try {
        ip("link", "delete", BRIDGE);
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      IllegalStateException failure = new IllegalStateException("the test network was not removed whole: " + failures.get(0).getMessage());
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  private void ip(String... arguments) {
    List<String> command = new ArrayList<>(List.of(ip.toString()));
    command.addAll(List.of(arguments));
    Command.of(command).run(IP_LIMIT);
  }
}
