package io.plasmavmc.support;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} in Prometheus' text format: a registry's meters (PlasmaVMC's and the
 * Temporal SDK's), after the {@code beforeScrape} hooks have brought scrape-time gauges up to date,
 * and any text {@code extra} sources add. One small HTTP server, no framework.
 */
public final class PrometheusEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PrometheusEndpoint.class);

  private final HttpServer server;

  public PrometheusEndpoint(String bindAddress, int port, PrometheusMeterRegistry registry, List<Runnable> beforeScrape,
      List<Supplier<String>> extra) {
    try {
      server = HttpServer.create(new InetSocketAddress(bindAddress, port), 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serve metrics on " + bindAddress + ":" + port, e);
    }
    server.createContext("/metrics", exchange -> {
      StringBuilder body = new StringBuilder();
      int status = 200;
      try {
        beforeScrape.forEach(Runnable::run);
        for (Supplier<String> source : extra) {
          body.append(source.get());
        }
        body.append(registry.scrape());
      } catch (RuntimeException e) {
        status = 503;
        body.append("# cannot gather the metrics: ").append(String.valueOf(e.getMessage()).replace('\n', ' ')).append('\n');
      }
      byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    });
    server.start();
    log.info("metrics on http://{}:{}/metrics", bindAddress, port());
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
