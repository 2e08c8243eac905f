package io.plasmavmc.launcher;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops one harmless ERROR of Temporal's in-memory server: when a running activity's
 * schedule-to-start timer fires (every host monitor does so once), it logs "Not in INITIATED"
 * and correctly does nothing. Everything else the server logs is kept.
 */
public final class InMemoryServerNoise extends Filter<ILoggingEvent> {
  @Override
  public FilterReply decide(ILoggingEvent event) {
    if (event.getLoggerName().endsWith("testservice.TestWorkflowMutableStateImpl")
        && event.getThrowableProxy() != null
        && String.valueOf(event.getThrowableProxy().getMessage()).contains("Not in INITIATED")) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
