package io.plasmavmc.contract.testrun;

import io.plasmavmc.contract.host.ConsoleTail;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * Reads the console a lifecycle test attempt's host kept of the attempt's VM (its VM may be long
 * gone): one short activity on the host's queue, in a workflow of its own, so that the run's
 * history never grows by the bytes read.
 */
@WorkflowInterface
public interface AttemptConsoleReadWorkflow {
  @WorkflowMethod
  ConsoleTail read(String hostId, String runId, String vmName, int maxBytes, Duration hostTaskTimeout);

  static String workflowId(String vmName, String requestId) {
    return "attempt-console-" + vmName + "-" + requestId;
  }
}
