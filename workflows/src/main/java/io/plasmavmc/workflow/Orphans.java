package io.plasmavmc.workflow;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import java.util.Map;
import java.util.TreeMap;

/**
 * Orphans: QEMU processes on a host whose VM has no running workflow (left by a crash between a
 * workflow's end and its cleanup, by an in-memory Temporal server that restarted, or started by
 * hand in the runtime directory). Only an operator, or an explicit setting, may end them.
 */
public final class Orphans {
  private Orphans() {}

  /** Those of {@code running} (VM id to QEMU pid) whose VM workflow is not running. */
  public static Map<String, Long> among(WorkflowClient client, Map<String, Long> running) {
    Map<String, Long> orphans = new TreeMap<>();
    running.forEach((vmId, pid) -> {
      if (!workflowRunning(client, vmId)) {
        orphans.put(vmId, pid);
      }
    });
    return orphans;
  }

  private static boolean workflowRunning(WorkflowClient client, String vmId) {
    try {
      var execution = client.getWorkflowServiceStubs().blockingStub().describeWorkflowExecution(
          DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(TaskQueues.workflowId(vmId)))
              .build());
      return execution.getWorkflowExecutionInfo().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }
}
