package io.plasmavmc.contract;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.Map;

/**
 * Asks a host which QEMU processes run there (for orphan reports): one short activity on the
 * host's queue, bounded by the host timeout like every operation, and visible in the Temporal UI.
 */
@WorkflowInterface
public interface HostScanWorkflow {
  /** Runtime directory name (the VM id) to QEMU pid, for every live QEMU on {@code hostId}. */
  @WorkflowMethod
  Map<String, Long> scan(String hostId, Duration hostTaskTimeout);

  static String workflowId(String hostId, String requestId) {
    return "host-scan-" + hostId + "-" + requestId;
  }
}
