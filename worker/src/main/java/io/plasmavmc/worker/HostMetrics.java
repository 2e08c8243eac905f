package io.plasmavmc.worker;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host worker's gauges in Prometheus' text format on {@code /metrics}: the QEMU processes
 * running on the host and how many of them are orphans. Computed when scraped (a runtime-directory
 * scan plus one describe per QEMU), so a scrape every 15 s or so is cheap.
 */
final class HostMetrics implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostMetrics.class);

  private final HttpServer server;

  /** {@code orphansAmong} picks the orphans out of what {@code running} found, so a scrape scans the host once. */
  HostMetrics(String bindAddress, int port, String hostId, Supplier<Map<String, Long>> running,
      Function<Map<String, Long>, Map<String, Long>> orphansAmong) {
    try {
      server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on " + bindAddress + ":" + port, e);
    }
    server.createContext("/metrics", exchange -> {
      String body;
      int status = 200;
      try {
        Map<String, Long> qemus = running.get();
        body = render(hostId, qemus.size(), orphansAmong.apply(qemus).size());
      } catch (RuntimeException e) {
        status = 503;
        body = "# cannot read the host's QEMU processes: " + e.getMessage().replace('\n', ' ') + "\n";
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    log.info("metrics on http://{}:{}/metrics", bindAddress, port());
  }

  static String render(String hostId, int qemus, int orphans) {
    String host = hostId.replace("\\", "\\\\").replace("\"", "\\\"");
    return "# HELP plasmavmc_qemu_processes QEMU processes running on this host.\n"
        + "# TYPE plasmavmc_qemu_processes gauge\n"
        + "plasmavmc_qemu_processes{host=\"" + host + "\"} " + qemus + "\n"
        + "# HELP plasmavmc_orphan_qemu_processes QEMU processes on this host that no VM workflow owns.\n"
        + "# TYPE plasmavmc_orphan_qemu_processes gauge\n"
        + "plasmavmc_orphan_qemu_processes{host=\"" + host + "\"} " + orphans + "\n";
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
