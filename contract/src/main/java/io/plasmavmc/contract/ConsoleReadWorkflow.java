package io.plasmavmc.contract;

import io.plasmavmc.contract.host.ConsoleTail;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * Reads the end of a VM's serial console on its host: one short activity on the host's queue. A
 * workflow of its own, so that reading the console never grows the VM's history by the bytes read.
 */
@WorkflowInterface
public interface ConsoleReadWorkflow {
  @WorkflowMethod
  ConsoleTail read(String hostId, String vmId, int maxBytes, Duration hostTaskTimeout);

  static String workflowId(String vmId, String requestId) {
    return "console-" + vmId + "-" + requestId;
  }
}
