package io.plasmavmc.host.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/** A command's {@code return} value, and when the reply was read ({@link io.plasmavmc.host.ObservationClock}). */
public record QmpReply(JsonNode value, long observedAt) {}
