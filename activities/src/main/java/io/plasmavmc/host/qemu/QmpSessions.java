package io.plasmavmc.host.qemu;

import io.plasmavmc.host.qmp.QmpClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One QMP connection per VM, shared by every activity on this worker. QEMU's monitor serves one
 * client at a time, so connecting per call would queue callers behind each other and cost a
 * greeting and a negotiation each time; a held connection also hears the SHUTDOWN event that tells
 * how QEMU ended, which this class records in the VM's runtime directory.
 */
public final class QmpSessions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QmpSessions.class);

  private final Map<String, QmpClient> clients = new ConcurrentHashMap<>();
  /** Connecting can take up to the connect timeout: one VM's slow monitor must not hold up the others. */
  private final Map<String, Object> connectLocks = new ConcurrentHashMap<>();
  private final Duration connectTimeout;

  public QmpSessions(Duration connectTimeout) {
    this.connectTimeout = connectTimeout;
  }

  /** The VM's open connection, connecting if there is none. */
  public QmpClient get(RuntimeDirectory dir) throws IOException {
    QmpClient current = clients.get(dir.vmId());
    if (current != null && current.isOpen()) {
      return current;
    }
    synchronized (connectLocks.computeIfAbsent(dir.vmId(), id -> new Object())) {
      current = clients.get(dir.vmId());
      if (current != null && current.isOpen()) {
        return current;
      }
      QmpClient client = QmpClient.connect(dir.qmpSocket(), connectTimeout);
      client.addEventListener(event -> {
        if ("SHUTDOWN".equals(event.name())) {
          String reason = event.data().path("reason").asText("unknown");
          log.info("VM {}: QEMU reports SHUTDOWN ({})", dir.vmId(), reason);
          dir.recordExitIfAbsent(reason);
        }
      });
      clients.put(dir.vmId(), client);
      return client;
    }
  }

  /** Closes and forgets {@code client} if it still is the VM's connection (a newer one is left alone). */
  public void drop(String vmId, QmpClient client) {
    if (client != null && clients.remove(vmId, client)) {
      client.close();
    }
  }

  /** Closes and forgets the VM's connection, if any. */
  public void drop(String vmId) {
    QmpClient client = clients.remove(vmId);
    if (client != null) {
      client.close();
    }
  }

  @Override
  public void close() {
    clients.keySet().forEach(this::drop);
  }
}
