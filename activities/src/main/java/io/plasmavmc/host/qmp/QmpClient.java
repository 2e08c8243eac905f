package io.plasmavmc.host.qmp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plasmavmc.host.ObservationClock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QMP (QEMU Machine Protocol) connection over QEMU's Unix socket.
 *
 * <p>One reader thread owns the socket's input: it matches replies to commands by {@code id} and
 * hands events to listeners, so events flow while commands are in flight and any number of threads
 * may call {@link #execute} at once. Every command has a deadline; a silent monitor yields a
 * {@link QmpTimeoutException}, never a blocked caller. Closing the client (or QEMU exiting) fails
 * every pending command and stops the reader thread.
 */
public final class QmpClient implements AutoCloseable {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration QUIT_TIMEOUT = Duration.ofSeconds(15);

  private static final Logger log = LoggerFactory.getLogger(QmpClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path socketPath;
  private final AFUNIXSocket socket;
  private final OutputStream out;
  private final Object writeLock = new Object();
  private final Map<String, CompletableFuture<Received>> pending = new ConcurrentHashMap<>();
  private final List<Consumer<QmpEvent>> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<JsonNode> greeting = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final AtomicLong ids = new AtomicLong();
  private final Thread reader;
  private volatile boolean closing;
  private volatile boolean ended;
  private volatile String closeReason = "connection not closed";

  /** A reply as the reader thread took it off the socket, numbered then (see {@link QmpReply}). */
  private record Received(JsonNode message, long observedAt) {}

  /** The reader's stack: it only parses lines, and a host may hold thousands of connections. */
  private static final long READER_STACK_BYTES = 256 * 1024;

  private QmpClient(Path socketPath, AFUNIXSocket socket) throws IOException {
    this.socketPath = socketPath;
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.reader = new Thread(null, this::readLoop, "qmp-reader-" + socketPath.getParent().getFileName(), READER_STACK_BYTES);
    this.reader.setDaemon(true);
  }

  /** Connects, reads the greeting and negotiates capabilities, all within {@code timeout}. */
  public static QmpClient connect(Path socketPath, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    AFUNIXSocket socket = AFUNIXSocket.newInstance();
    try {
      socket.connect(AFUNIXSocketAddress.of(socketPath), (int) Math.max(1, timeout.toMillis()));
    } catch (IOException e) {
      socket.close();
      throw e;
    }
    QmpClient client = new QmpClient(socketPath, socket);
    client.reader.start();
    try {
      client.greeting.get(remaining(deadline), TimeUnit.NANOSECONDS);
      client.execute("qmp_capabilities", null, Duration.ofNanos(Math.max(1, remaining(deadline))));
      return client;
    } catch (TimeoutException e) {
      client.close();
      throw new QmpTimeoutException("greeting", timeout);
    } catch (ExecutionException e) {
      client.close();
      throw new QmpConnectionClosedException("QMP connection to " + socketPath + " ended before the greeting", e.getCause());
    } catch (InterruptedException e) {
      client.close();
      Thread.currentThread().interrupt();
      throw new QmpException("interrupted while connecting to " + socketPath, e);
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  /** QEMU's greeting: its version and capabilities. */
  public JsonNode greeting() {
    return greeting.getNow(MissingNode.getInstance());
  }

  public JsonNode execute(String command) {
    return execute(command, null, DEFAULT_TIMEOUT);
  }

  public JsonNode execute(String command, Map<String, ?> arguments) {
    return execute(command, arguments, DEFAULT_TIMEOUT);
  }

  /** Sends a command and waits for its reply; returns the reply's {@code return} value. */
  public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
    return call(command, arguments, timeout).value();
  }

  /**
   * Sends a command and waits for its reply: its {@code return} value, numbered by
   * {@link ObservationClock} as the reader took it off the socket, so replies
   * and events of one QEMU keep the order QEMU sent them in, whichever caller wakes first.
   */
  public QmpReply call(String command, Map<String, ?> arguments, Duration timeout) {
    String id = "pv-" + ids.incrementAndGet();
    ObjectNode request = JSON.createObjectNode();
    request.put("execute", command);
    if (arguments != null && !arguments.isEmpty()) {
      request.set("arguments", JSON.valueToTree(arguments));
    }
    request.put("id", id);
    byte[] line;
    try {
      line = (JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new QmpException("cannot encode QMP " + command, e);
    }

    CompletableFuture<Received> reply = new CompletableFuture<>();
    pending.put(id, reply);
    // The reader fails pending commands when the connection ends; one registered after that
    // would wait for nothing, so check again now that it is visible to the reader.
    if (ended) {
      pending.remove(id);
      throw new QmpConnectionClosedException("QMP connection to " + socketPath + " is closed (" + closeReason + ")");
    }
    try {
      synchronized (writeLock) {
        out.write(line);
        out.flush();
      }
    } catch (IOException e) {
      pending.remove(id);
      throw new QmpConnectionClosedException("cannot send QMP " + command + " to " + socketPath, e);
    }

    Received received;
    try {
      received = reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      pending.remove(id);
      throw new QmpTimeoutException(command, timeout);
    } catch (ExecutionException e) {
      throw new QmpConnectionClosedException(
          "QMP connection to " + socketPath + " ended while waiting for " + command + " (" + closeReason + ")", e.getCause());
    } catch (InterruptedException e) {
      pending.remove(id);
      Thread.currentThread().interrupt();
      throw new QmpException("interrupted while waiting for QMP " + command, e);
    }
    JsonNode error = received.message().get("error");
    if (error != null) {
      throw new QmpErrorException(command, error.path("class").asText("GenericError"), error.path("desc").asText(""));
    }
    return new QmpReply(received.message().path("return"), received.observedAt());
  }

  /**
   * Asks QEMU to exit. The connection ending before (or instead of) the reply is the expected
   * outcome, not an error.
   */
  public void quit() {
    quit(QUIT_TIMEOUT);
  }

  public void quit(Duration timeout) {
    try {
      execute("quit", null, timeout);
    } catch (QmpConnectionClosedException expected) {
      return;
    }
    awaitClosed(timeout);
  }

  /** Waits until the connection has ended; returns whether it did within {@code timeout}. */
  public boolean awaitClosed(Duration timeout) {
    try {
      closed.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return closed.isDone();
    }
  }

  /** Completes when the connection ends: QEMU exited, closed the socket, or {@link #close} was called. */
  public CompletableFuture<Void> closedFuture() {
    return closed;
  }

  public boolean isOpen() {
    return !ended;
  }

  public Path socketPath() {
    return socketPath;
  }

  /** Listeners run on the reader thread: keep them short and never call {@link #execute} from one. */
  public void addEventListener(Consumer<QmpEvent> listener) {
    listeners.add(listener);
  }

  public void removeEventListener(Consumer<QmpEvent> listener) {
    listeners.remove(listener);
  }

  @Override
  public void close() {
    closing = true;
    try {
      socket.close();
    } catch (IOException e) {
      log.debug("closing QMP socket {}", socketPath, e);
    }
    if (Thread.currentThread() != reader) {
      try {
        reader.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    finish("closed by PlasmaVMC");
  }

  private void readLoop() {
    String reason = "end of file: QEMU closed the monitor";
    try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8), 64 * 1024)) {
      String line;
      while ((line = in.readLine()) != null) {
        dispatch(line);
      }
    } catch (SocketTimeoutException e) {
      reason = "read timed out";
    } catch (IOException e) {
      reason = closing ? "closed by PlasmaVMC" : "read failed: " + e.getMessage();
    } catch (RuntimeException e) {
      log.error("QMP reader for {} failed", socketPath, e);
      reason = "reader failed: " + e;
    } finally {
      finish(reason);
    }
  }

  private void dispatch(String line) {
    if (line.isBlank()) {
      return;
    }
    JsonNode message;
    try {
      message = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      log.warn("QMP {}: ignoring a line that is not JSON: {}", socketPath, abbreviate(line));
      return;
    }
    if (message == null || !message.isObject()) {
      log.warn("QMP {}: ignoring a line that is not a JSON object: {}", socketPath, abbreviate(line));
      return;
    }
    if (message.has("QMP")) {
      greeting.complete(message.get("QMP"));
    } else if (message.has("event")) {
      deliver(toEvent(message));
    } else if (message.has("return") || message.has("error")) {
      JsonNode id = message.get("id");
      CompletableFuture<Received> waiter = id == null ? null : pending.remove(id.asText());
      if (waiter != null) {
        waiter.complete(new Received(message, ObservationClock.next()));
      } else {
        // A reply without our id: a command that timed out, or QEMU rejecting a line it could not parse.
        log.warn("QMP {}: reply nobody waits for: {}", socketPath, abbreviate(line));
      }
    } else {
      log.warn("QMP {}: ignoring an unknown message: {}", socketPath, abbreviate(line));
    }
  }

  private static QmpEvent toEvent(JsonNode message) {
    JsonNode ts = message.path("timestamp");
    Instant timestamp = ts.has("seconds")
        ? Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000)
        : Instant.now();
    JsonNode data = message.has("data") ? message.get("data") : JSON.createObjectNode();
    return new QmpEvent(message.get("event").asText(), data, timestamp, ObservationClock.next());
  }

  private void deliver(QmpEvent event) {
    for (Consumer<QmpEvent> listener : listeners) {
      try {
        listener.accept(event);
      } catch (RuntimeException e) {
        log.warn("QMP {}: event listener failed on {}", socketPath, event.name(), e);
      }
    }
  }

  private synchronized void finish(String reason) {
    if (ended) {
      return;
    }
    closeReason = reason;
    ended = true;
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closing
    }
    QmpConnectionClosedException cause = new QmpConnectionClosedException("QMP connection to " + socketPath + " closed: " + reason);
    greeting.completeExceptionally(cause);
    for (String id : pending.keySet()) {
      CompletableFuture<Received> waiter = pending.remove(id);
      if (waiter != null) {
        waiter.completeExceptionally(cause);
      }
    }
    closed.complete(null);
  }

  private static String abbreviate(String line) {
    return line.length() <= 200 ? line : line.substring(0, 200) + "... (" + line.length() + " characters)";
  }
}
