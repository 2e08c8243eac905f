package io.plasmavmc.host.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QmpClientTest {
  @TempDir Path tmp;
  private FakeQmpPeer peer;
  private QmpClient client;

  @BeforeEach
  void startPeer() throws Exception {
    peer = new FakeQmpPeer(tmp.resolve("qmp.sock"));
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    peer.close();
  }

  private QmpClient connect() throws Exception {
    client = QmpClient.connect(peer.socketPath(), Duration.ofSeconds(2));
    return client;
  }

  @Test
  void readsTheGreetingAndNegotiatesCapabilities() throws Exception {
    peer.onRequest((request, p) -> p.reply(request, "{\"status\": \"running\", \"running\": true}"));
    connect();
    assertEquals(7, client.greeting().path("version").path("qemu").path("major").asInt());
    JsonNode status = client.execute("query-status");
    assertEquals("running", status.path("status").asText());
  }

  @Test
  void sendsArgumentsAndAnId() throws Exception {
    connect();
    client.execute("human-monitor-command", Map.of("command-line", "info version"));
    JsonNode request = peer.requests().poll(2, TimeUnit.SECONDS);
    assertEquals("human-monitor-command", request.path("execute").asText());
    assertEquals("info version", request.path("arguments").path("command-line").asText());
    assertTrue(request.hasNonNull("id"));
  }

  @Test
  void deliversEventsInterleavedWithRepliesWhileACommandIsInFlight() throws Exception {
    peer.onRequest((request, p) -> {
      p.event("STOP", null);
      p.event("RESUME", null);
      p.reply(request, "{}");
      p.event("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-shutdown\"}");
    });
    connect();
    List<QmpEvent> events = new CopyOnWriteArrayList<>();
    CountDownLatch three = new CountDownLatch(3);
    client.addEventListener(event -> {
      events.add(event);
      three.countDown();
    });
    client.execute("cont");
    assertTrue(three.await(2, TimeUnit.SECONDS));
    assertEquals(List.of("STOP", "RESUME", "SHUTDOWN"), events.stream().map(QmpEvent::name).toList());
    assertEquals("guest-shutdown", events.get(2).data().path("reason").asText());
    assertEquals(1700000000L, events.get(0).timestamp().getEpochSecond());
  }

  @Test
  void raisesQmpErrorsWithTheirClassAndDescription() throws Exception {
    peer.onRequest((request, p) -> p.error(request, "CommandNotFound", "The command nope has not been found"));
    connect();
    QmpErrorException e = assertThrows(QmpErrorException.class, () -> client.execute("nope"));
    assertEquals("CommandNotFound", e.errorClass());
    assertEquals("The command nope has not been found", e.description());
    assertEquals("nope", e.command());
  }

  @Test
  void aPeerThatNeverAnswersTimesOutWithoutHanging() throws Exception {
    peer.onRequest((request, p) -> {});
    connect();
    long start = System.nanoTime();
    assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
        assertThrows(QmpTimeoutException.class, () -> client.execute("query-status", null, Duration.ofMillis(200))));
    assertTrue(System.nanoTime() - start >= Duration.ofMillis(200).toNanos());
    // The connection stays usable: a late reply to the timed-out command is dropped, later commands work.
    peer.onRequest((request, p) -> p.reply(request, "{\"status\": \"paused\"}"));
    assertEquals("paused", client.execute("query-status").path("status").asText());
  }

  @Test
  void aPeerThatSendsNoGreetingFailsTheConnectInTime() throws Exception {
    peer.withoutGreeting();
    assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
        assertThrows(QmpTimeoutException.class, () -> QmpClient.connect(peer.socketPath(), Duration.ofMillis(300))));
  }

  @Test
  void endOfFileInTheMiddleOfACommandFailsItAsClosed() throws Exception {
    peer.onRequest((request, p) -> p.hangUp());
    connect();
    assertTimeoutPreemptively(Duration.ofSeconds(5), () ->
        assertThrows(QmpConnectionClosedException.class, () -> client.execute("query-status")));
    assertTrue(client.awaitClosed(Duration.ofSeconds(1)));
    assertFalse(client.isOpen());
    assertThrows(QmpConnectionClosedException.class, () -> client.execute("query-status"));
  }

  @Test
  void endOfFileAfterQuitIsSuccess() throws Exception {
    peer.onRequest((request, p) -> {
      if ("quit".equals(request.path("execute").asText())) {
        p.hangUp();
      }
    });
    connect();
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> client.quit(Duration.ofSeconds(2)));
    assertFalse(client.isOpen());
  }

  @Test
  void quitAnsweredBeforeEndOfFileWaitsForTheEnd() throws Exception {
    peer.onRequest((request, p) -> {
      p.reply(request, "{}");
      p.event("SHUTDOWN", "{\"guest\": false, \"reason\": \"host-qmp-quit\"}");
      p.hangUp();
    });
    connect();
    client.quit(Duration.ofSeconds(2));
    assertFalse(client.isOpen());
  }

  @Test
  void garbageLinesAreSkipped() throws Exception {
    peer.onRequest((request, p) -> {
      p.send("this is not json");
      p.send("[1, 2, 3]");
      p.send("{\"neither\": \"reply nor event\"}");
      p.send("{\"return\": {}, \"id\": \"not-ours\"}");
      p.send("{\"unterminated\": ");
      p.reply(request, "{\"status\": \"running\"}");
    });
    connect();
    assertEquals("running", client.execute("query-status").path("status").asText());
  }

  @Test
  void acceptsRepliesOfSeveralMebibytes() throws Exception {
    String big = "x".repeat(6 * 1024 * 1024);
    peer.onRequest((request, p) -> p.reply(request, "\"" + big + "\""));
    connect();
    assertEquals(big.length(), client.execute("human-monitor-command").asText().length());
  }

  @Test
  void concurrentCallersEachGetTheirOwnReply() throws Exception {
    // Answers in reverse order of arrival, in pairs, so replies cross on the wire.
    List<JsonNode> held = new ArrayList<>();
    peer.onRequest((request, p) -> {
      synchronized (held) {
        held.add(request);
        if (held.size() == 2) {
          p.reply(held.get(1), "{\"echo\": " + held.get(1).path("arguments").path("n") + "}");
          p.reply(held.get(0), "{\"echo\": " + held.get(0).path("arguments").path("n") + "}");
          held.clear();
        }
      }
    });
    connect();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        int n = i;
        answers.add(pool.submit(() -> client.execute("echo", Map.of("n", n)).path("echo").asInt()));
      }
      for (int i = 0; i < answers.size(); i++) {
        assertEquals(i, answers.get(i).get(5, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closeFailsPendingCommandsAndStopsTheReaderThread() throws Exception {
    peer.onRequest((request, p) -> {});
    connect();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<?> pending = pool.submit(() -> client.execute("query-status", null, Duration.ofSeconds(30)));
      peer.requests().poll(2, TimeUnit.SECONDS);
      client.close();
      Exception e = assertThrows(Exception.class, () -> pending.get(2, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof QmpConnectionClosedException, "got " + e);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("qmp-reader-") && t.getName().endsWith(tmp.getFileName().toString()))
        .noneMatch(Thread::isAlive), "the reader thread must end on close");
  }
}
