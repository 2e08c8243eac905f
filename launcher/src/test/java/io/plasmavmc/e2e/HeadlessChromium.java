package io.plasmavmc.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestTools;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver with the W3C WebDriver
 * protocol (plain JSON over HTTP: a session, a page, elements, clicks, screenshots). Small on
 * purpose: a browser test needs nothing more, and no driver download.
 */
final class HeadlessChromium implements AutoCloseable {
  private static final String ELEMENT = "element-6066-11e4-a52e-4f735466cecf";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process driver;
  private final Path profile;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;
  private final String session;

  HeadlessChromium() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    profile = Files.createTempDirectory("plasmavmc-chromium");
    driver = new ProcessBuilder(TestTools.require("/usr/bin/chromedriver", "chromium-driver").toString(), "--port=" + port).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    base = "http://127.0.0.1:" + port;
    awaitDriver();
    // The flags keep Chromium off the network it cannot reach here (and off the sandbox it cannot have as root).
    Map<String, Object> options = Map.of("binary", TestTools.require("/usr/bin/chromium", "chromium").toString(), "args", List.of("--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
        "--window-size=1440,1500", "--user-data-dir=" + profile));
    JsonNode created = call("POST", "/session", Map.of("capabilities", Map.of("alwaysMatch",
        Map.of("browserName", "chrome", "goog:chromeOptions", options))));
    session = created.get("sessionId").asText();
  }

  private void awaitDriver() throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      try {
        if (call("GET", "/status", null).path("ready").asBoolean()) {
          return;
        }
      } catch (IOException | RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("chromedriver did not start", e);
        }
      }
      Thread.sleep(50);
    }
  }

  void open(String url) throws IOException, InterruptedException {
    call("POST", "/session/" + session + "/url", Map.of("url", url));
  }

  /** The first element the CSS selector matches, once one exists (the UI renders as its data arrives). */
  String awaitElement(String css, Duration timeout) throws IOException, InterruptedException {
    return await("css selector", css, timeout);
  }

  /** The innermost element whose own text is {@code text}, once one exists. */
  String awaitElementWithText(String text, Duration timeout) throws IOException, InterruptedException {
    return await("xpath", "//*[normalize-space(text())='" + text + "']", timeout);
  }

  private String await(String using, String value, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<String> found = find(using, value);
      if (found.isPresent()) {
        return found.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no element matches " + value + " after " + timeout + "; the page says: " + text());
      }
      Thread.sleep(100);
    }
  }

  private Optional<String> find(String using, String value) throws IOException, InterruptedException {
    JsonNode found = call("POST", "/session/" + session + "/elements", Map.of("using", using, "value", value));
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0).get(ELEMENT).asText());
  }

  void click(String element) throws IOException, InterruptedException {
    call("POST", "/session/" + session + "/element/" + element + "/click", Map.of());
  }

  /**
   * The page's visible text, that of its frames included (the Temporal UI renders user-written
   * markdown, such as a workflow's summary, in sandboxed frames).
   */
  String text() throws IOException, InterruptedException {
    String script = """
        const frames = Array.from(document.querySelectorAll('iframe')).map(f => {
          const doc = f.contentDocument || new DOMParser().parseFromString(f.srcdoc || '', 'text/html');
          return doc && doc.body ? doc.body.textContent : '';
        });
        return [document.body.innerText].concat(frames).join('\\n');
        """;
    return call("POST", "/session/" + session + "/execute/sync", Map.of("script", script, "args", List.of())).asText();
  }

  /** Waits until the page's visible text contains every one of {@code texts}, and returns it. */
  String awaitText(Duration timeout, String... texts) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String page = text();
      if (List.of(texts).stream().allMatch(page::contains)) {
        return page;
      }
      if (System.nanoTime() > deadline) {
        Path shot = Path.of("target", "temporal-ui", "failed-" + System.currentTimeMillis() + ".png");
        screenshot(shot);
        throw new AssertionError("the page does not show all of " + List.of(texts) + " after " + timeout + " (screenshot "
            + shot + "); it says:\n" + page);
      }
      Thread.sleep(100);
    }
  }

  String currentUrl() throws IOException, InterruptedException {
    return call("GET", "/session/" + session + "/url", null).asText();
  }

  void screenshot(Path file) throws IOException, InterruptedException {
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(call("GET", "/session/" + session + "/screenshot", null).asText()));
  }

  private JsonNode call(String method, String path, Object body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode value = JSON.readTree(response.body()).path("value");
    if (response.statusCode() != 200) {
      throw new IllegalStateException("WebDriver " + method + " " + path + ": " + value.path("error").asText() + ": "
          + value.path("message").asText());
    }
    return value;
  }

  @Override
  public void close() throws Exception {
    try {
      call("DELETE", "/session/" + session, null);
    } finally {
      driver.destroy();
      driver.waitFor();
      ScratchDirectories.delete(profile);
    }
  }
}
