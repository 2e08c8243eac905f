package io.plasmavmc.host.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.host.ObservationClock;

/** A command's {@code return} value, and when the reply was read ({@link ObservationClock}). */
public record QmpReply(JsonNode value, long observedAt) {}
