package io.plasmavmc.host.qga;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A connection to the QEMU guest agent (qemu-ga) through the VM's virtio-serial channel, which
 * QEMU exposes as a Unix socket on the host. Unlike QMP there is no greeting, and whatever was
 * written before the agent started may still be answered: {@link #sync} sends
 * {@code guest-sync-delimited} with a fresh id and reads past everything until the answer to it.
 */
public final class GuestAgentClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The agent marks the start of a guest-sync-delimited answer (and a client its request) with it. */
  private static final int DELIMITER = 0xFF;
  private static final int MAX_LINE = 64 * 1024;

  private final AFUNIXSocket socket;
  private final InputStream in;
  private final OutputStream out;

  private GuestAgentClient(AFUNIXSocket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  public static GuestAgentClient connect(Path socketPath, Duration timeout) throws IOException {
    AFUNIXSocket socket = AFUNIXSocket.newInstance();
    try {
      socket.connect(AFUNIXSocketAddress.of(socketPath), (int) Math.max(1, timeout.toMillis()));
      return new GuestAgentClient(socket);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /** True once the agent answered a fresh guest-sync-delimited within {@code timeout}; false if it did not. */
  public boolean sync(Duration timeout) throws IOException {
    long id = ThreadLocalRandom.current().nextLong(1, Integer.MAX_VALUE);
    out.write(DELIMITER);
    out.write(("{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":" + id + "}}\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        String line = readLine(deadline);
        if (line == null) {
          return false;
        }
        JsonNode reply = parse(line);
        if (reply != null && reply.path("return").asLong(-1) == id) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** Asks the guest to power off (guest-shutdown). The agent never answers it: the guest goes away. */
  public void shutdown() throws IOException {
    out.write("{\"execute\":\"guest-shutdown\",\"arguments\":{\"mode\":\"powerdown\"}}\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /**
   * Starts {@code path} with {@code args} in the guest (guest-exec, output captured) and returns
   * the guest's pid of it. Call after {@link #sync}, which drained anything stale.
   */
  public long exec(String path, List<String> args, Duration timeout) throws IOException {
    ObjectNode arguments = JSON.createObjectNode()
        .put("path", path).put("capture-output", true);
    ArrayNode arg = arguments.putArray("arg");
    args.forEach(arg::add);
    return call("guest-exec", arguments, timeout).path("pid").asLong();
  }

  /** guest-exec-status of {@code pid}: the agent's answer ({@code exited}, {@code exitcode}, {@code out-data}, ...). */
  public JsonNode execStatus(long pid, Duration timeout) throws IOException {
    return call("guest-exec-status", JSON.createObjectNode().put("pid", pid), timeout);
  }

  /** One command, its "return" value; an "error" answer is thrown as {@link GuestAgentException}. */
  private JsonNode call(String command, JsonNode arguments, Duration timeout) throws IOException {
    ObjectNode request = JSON.createObjectNode().put("execute", command);
    request.set("arguments", arguments);
    // Serialized by Jackson: whatever a client put in path or args stays a JSON string.
    out.write((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String line = readLine(deadline);
      if (line == null) {
        throw new IOException("the guest agent closed its channel");
      }
      JsonNode reply = parse(line);
      if (reply != null && reply.has("error")) {
        throw new GuestAgentException(command + ": " + reply.path("error").path("desc").asText("error"));
      }
      if (reply != null && reply.has("return")) {
        return reply.get("return");
      }
    }
  }

  /** The agent refused or failed a command. */
  public static final class GuestAgentException extends IOException {
    public GuestAgentException(String message) {
      super(message);
    }
  }

  /** The next line, without delimiter bytes; null at end of stream. Throws SocketTimeoutException past the deadline. */
  private String readLine(long deadline) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("no answer from the guest agent");
      }
      socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
      int b = in.read();
      if (b < 0) {
        return null;
      }
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      if (b != DELIMITER && line.size() < MAX_LINE) {
        line.write(b);
      }
    }
  }

  private static JsonNode parse(String line) {
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      return null; // a stale half answer, from before the agent (re)started
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
