package io.plasmavmc.host.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.host.ObservationClock;
import java.time.Instant;

/**
 * An asynchronous QMP event such as SHUTDOWN, STOP or RESUME; {@code data} is empty when QEMU sent
 * none. {@code observedAt} numbers it as it was read, in order with the replies
 * ({@link ObservationClock}).
 */
public record QmpEvent(String name, JsonNode data, Instant timestamp, long observedAt) {
  public QmpEvent(String name, JsonNode data, Instant timestamp) {
    this(name, data, timestamp, 0);
  }
}
