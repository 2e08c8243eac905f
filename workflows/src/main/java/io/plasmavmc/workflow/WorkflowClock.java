package io.plasmavmc.workflow;

import io.temporal.workflow.Workflow;
import java.time.Instant;

/** The workflow's time: the same on every replay, unlike the machine's clock. */
final class WorkflowClock {
  private WorkflowClock() {}

  static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
