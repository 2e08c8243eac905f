package io.plasmavmc.host.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BiConsumer;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * An in-process QMP server on a Unix socket for unit tests: sends a greeting, answers
 * qmp_capabilities, and hands every other request to a handler that decides what (if anything)
 * to send back.
 */
final class FakeQmpPeer implements AutoCloseable {
  static final String GREETING =
      "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AFUNIXServerSocket server;
  private final Path socketPath;
  private final Thread thread;
  private final BlockingQueue<JsonNode> requests = new LinkedBlockingQueue<>();
  private volatile BiConsumer<JsonNode, FakeQmpPeer> handler = (request, peer) -> peer.reply(request, "{}");
  private volatile boolean sendGreeting = true;
  private volatile AFUNIXSocket client;
  private volatile OutputStream out;

  FakeQmpPeer(Path socketPath) throws IOException {
    this.socketPath = socketPath;
    this.server = AFUNIXServerSocket.newInstance();
    server.bind(AFUNIXSocketAddress.of(socketPath));
    thread = new Thread(this::serve, "fake-qmp");
    thread.setDaemon(true);
    thread.start();
  }

  Path socketPath() {
    return socketPath;
  }

  FakeQmpPeer onRequest(BiConsumer<JsonNode, FakeQmpPeer> value) {
    handler = value;
    return this;
  }

  FakeQmpPeer withoutGreeting() {
    sendGreeting = false;
    return this;
  }

  /** Requests the peer received after capabilities negotiation, in order. */
  BlockingQueue<JsonNode> requests() {
    return requests;
  }

  void reply(JsonNode request, String returnJson) {
    send("{\"return\": " + returnJson + ", \"id\": " + request.get("id") + "}");
  }

  void error(JsonNode request, String errorClass, String description) {
    send("{\"error\": {\"class\": \"" + errorClass + "\", \"desc\": \"" + description + "\"}, \"id\": " + request.get("id") + "}");
  }

  void event(String name, String dataJson) {
    send("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"" + name + "\""
        + (dataJson == null ? "" : ", \"data\": " + dataJson) + "}");
  }

  synchronized void send(String line) {
    try {
      out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Ends the connection as QEMU exiting would. */
  void hangUp() {
    try {
      client.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private void serve() {
    try {
      client = server.accept();
      out = client.getOutputStream();
      if (sendGreeting) {
        send(GREETING);
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode request = JSON.readTree(line);
        if ("qmp_capabilities".equals(request.path("execute").asText())) {
          reply(request, "{}");
          continue;
        }
        requests.add(request);
        handler.accept(request, this);
      }
    } catch (IOException | IllegalStateException e) {
      // connection closed: the test is over or asked for it
    }
  }

  @Override
  public void close() throws IOException {
    if (client != null) {
      client.close();
    }
    server.close();
  }
}
