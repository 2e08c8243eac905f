package io.plasmavmc.host;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;

/**
 * Heartbeats when running as a Temporal activity; a no-op when called directly (tests,
 * benchmarks). A cancelled activity learns of it here: heartbeat throws ActivityCanceledException.
 */
public final class Heartbeats {
  private Heartbeats() {}

  public static void beat(Object details) {
    ActivityExecutionContext context;
    try {
      context = Activity.getExecutionContext();
    } catch (RuntimeException notInAnActivity) {
      return;
    }
    context.heartbeat(details);
  }
}
