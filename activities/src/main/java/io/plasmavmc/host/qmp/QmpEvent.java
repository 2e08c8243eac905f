package io.plasmavmc.host.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** An asynchronous QMP event such as SHUTDOWN, STOP or RESUME; {@code data} is empty when QEMU sent none. */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {}
