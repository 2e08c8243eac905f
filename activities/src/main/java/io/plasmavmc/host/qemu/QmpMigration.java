package io.plasmavmc.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.vmm.MigrationStatus;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * QEMU's live migration over QMP, on either end: the target listens ({@code migrate-incoming} on a
 * port QEMU picks, read back from {@code query-migrate}), the source sends ({@code
 * migrate-set-parameters}, then {@code migrate}), both report through {@code query-migrate}, the
 * source cancels ({@code migrate_cancel}). Addresses and URIs are checked to be a host and a port
 * and nothing else before QEMU sees them, although QMP takes them as JSON strings.
 */
final class QmpMigration {
  private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]{0,252}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
  private static final Pattern TCP_URI = Pattern.compile("tcp:(\\[[0-9A-Fa-f:.]{2,45}\\]|[A-Za-z0-9][A-Za-z0-9.-]{0,252}):([0-9]{1,5})");
  private static final long MIB = 1024L * 1024L;

  private final QmpClient qmp;
  private final Duration timeout;

  QmpMigration(QmpClient qmp, Duration timeout) {
    this.qmp = qmp;
    this.timeout = timeout;
  }

  /** Listens on {@code address} (port 0: QEMU binds a free one) unless it listens already; returns the URI it listens on. */
  String listen(String address) {
    MigrationStatus now = status();
    if (now.listening().isEmpty() && now.none()) {
      qmp.call("migrate-incoming", Map.of("uri", "tcp:" + uriHost(address) + ":0"), timeout);
      now = status();
    }
    if (now.listening().isEmpty()) {
      throw new IllegalStateException("QEMU does not listen for the VM's state (its incoming migration: "
          + (now.none() ? "none" : now.status()) + ")");
    }
    return now.listening();
  }

  void send(String uri, MigrationLimits limits) {
    if (uri == null || !TCP_URI.matcher(uri).matches()) {
      throw new InvalidSpecException("migration uri", "must be tcp:HOST:PORT");
    }
    qmp.call("migrate-set-parameters", Map.of(
        "max-bandwidth", limits.maxBandwidthMibps() * MIB,
        "downtime-limit", (long) limits.maxDowntimeMs()), timeout);
    qmp.call("migrate", Map.of("uri", uri), timeout);
  }

  MigrationStatus status() {
    JsonNode info = qmp.call("query-migrate", null, timeout).value();
    JsonNode ram = info.path("ram");
    return new MigrationStatus(info.path("status").asText(""), ram.path("transferred").asLong(0), ram.path("remaining").asLong(0),
        ram.path("total").asLong(0), info.path("total-time").asLong(0), info.path("downtime").asLong(0),
        info.path("setup-time").asLong(0), ram.path("mbps").asDouble(0), info.path("error-desc").asText(""), listening(info));
  }

  void cancel() {
    qmp.call("migrate_cancel", null, timeout);
  }

  /** Where a target listens, from query-migrate's socket-address (QEMU 4.0 and later), or "". */
  private static String listening(JsonNode info) {
    for (JsonNode address : info.path("socket-address")) {
      if ("inet".equals(address.path("type").asText()) && address.hasNonNull("host") && address.hasNonNull("port")) {
        return "tcp:" + uriHost(address.path("host").asText()) + ":" + address.path("port").asText();
      }
    }
    return "";
  }

  /** Whether {@code text}, of hex digits, colons and dots, is an IPv6 address (a literal with a colon is parsed, never looked up). */
  private static boolean isIpv6Literal(String text) {
    try {
      return InetAddress.getByName(text) instanceof Inet6Address;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** A host name or an IPv4 address as it is, an IPv6 address in brackets; anything else refused. */
  static String uriHost(String address) {
    if (address != null && address.contains(":")) {
      if (!IPV6.matcher(address).matches() || !isIpv6Literal(address)) {
        throw new InvalidSpecException("migration address", "must be a host name or an IP address");
      }
      return "[" + address + "]";
    }
    if (address == null || !HOST_NAME.matcher(address).matches()) {
      throw new InvalidSpecException("migration address", "must be a host name or an IP address");
    }
    return address;
  }
}
