package io.plasmavmc.contract.fleet;

import io.plasmavmc.contract.TaskQueues;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The fleet's hosts through the Temporal client, each its workflow {@code host-<id>} on the control
 * queue: a worker registers its host and reports its load; a gateway lists the hosts and acts on
 * one through {@link #host}.
 */
public final class FleetClient {
  /** The most hosts a listing returns. */
  public static final int MAX_HOSTS = 1000;
  static final String RUNNING_HOSTS = "WorkflowType = 'HostWorkflow' AND ExecutionStatus = 'Running'";

  private final WorkflowClient client;

  public FleetClient(WorkflowClient client) {
    this.client = client;
  }

  /**
   * Registers a host: its workflow is started where none runs (a new host, or one whose workflow
   * was ended in Temporal) and told what the host is, in one call (signal-with-start).
   */
  public void register(HostInfo info) {
    HostWorkflow host = client.newWorkflowStub(HostWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(HostWorkflow.workflowId(info.hostId()))
        .setTaskQueue(TaskQueues.CONTROL)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .setStaticSummary("Host **" + info.hostId() + "** at " + info.address())
        .setStaticDetails(info.vcpus() + " vCPUs, " + info.memoryMib() + " MiB, " + info.accelerator() + ", QEMU " + info.qemuVersion())
        .build());
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(host::run, new HostWorkflowInput(info.hostId(), null));
    request.add(host::register, info);
    client.signalWithStart(request);
  }

  /** Reports a host's load to its running workflow (WorkflowNotFoundException where none runs: register first). */
  public void report(String hostId, HostLoad load) {
    host(hostId).report(load);
  }

  /** The workflow of host {@code hostId}, for its updates and its query. */
  public HostWorkflow host(String hostId) {
    return client.newWorkflowStub(HostWorkflow.class, HostWorkflow.workflowId(hostId));
  }

  /** The ids of the hosts whose workflow runs, as Temporal's visibility store knows them: at most {@code max}, a page at a time. */
  public List<String> hostIds(int max) {
    List<String> ids = new ArrayList<>();
    ListWorkflowExecutionsRequest.Builder request = ListWorkflowExecutionsRequest.newBuilder()
        .setNamespace(client.getOptions().getNamespace())
        .setQuery(RUNNING_HOSTS)
        .setPageSize(Math.min(max, MAX_HOSTS));
    do {
      ListWorkflowExecutionsResponse page = client.getWorkflowServiceStubs().blockingStub().listWorkflowExecutions(request.build());
      page.getExecutionsList().stream()
          .map(execution -> execution.getExecution().getWorkflowId())
          .filter(id -> id.startsWith(HostWorkflow.workflowId("")))
          .map(id -> id.substring(HostWorkflow.workflowId("").length()))
          .limit(max - ids.size())
          .forEach(ids::add);
      request.setNextPageToken(page.getNextPageToken());
    } while (!request.getNextPageToken().isEmpty() && ids.size() < max);
    return ids;
  }
}
