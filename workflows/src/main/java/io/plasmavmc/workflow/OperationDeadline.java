package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.VmWorkflowInput;
import java.time.Duration;
import java.time.Instant;

/**
 * How long the running operation may still wait for a host that reports but is too busy to take
 * its work: set when the operation begins (the creation by its caller's own deadline, every other
 * operation by {@link VmWorkflowInput#DEFAULT_BUSY_HOST_WAIT}), so the waits of all its host
 * steps together stay within it. Workflow time: the same on every replay.
 */
final class OperationDeadline {
  private Instant at;

  void begin(Duration wait) {
    at = now().plus(wait);
  }

  void end() {
    at = null;
  }

  /** The running operation's deadline; outside one (a failed creation's clean-up), the default wait from now. */
  Instant at() {
    return at != null ? at : now().plus(VmWorkflowInput.DEFAULT_BUSY_HOST_WAIT);
  }
}
