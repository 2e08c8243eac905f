package io.plasmavmc.workflow;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.temporal.activity.Activity;
import io.temporal.api.filter.v1.WorkflowTypeFilter;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The fleet's hosts as placement reads them: the running host workflows, named by Temporal's
 * visibility store, each then read by its query (visibility lags; a host's own record does not).
 * Heartbeats as it goes: a placement's activity lives on the heartbeat.
 */
final class HostDirectory {
  static final String WORKFLOW_TYPE = "HostWorkflow";
  private static final String QUERY = "WorkflowType = '" + WORKFLOW_TYPE + "' AND ExecutionStatus = 'Running'";

  private final WorkflowClient client;

  HostDirectory(WorkflowClient client) {
    this.client = client;
  }

  /** Every host whose workflow runs, by host id; one that ended between the listing and its query is left out. */
  List<HostRecord> hosts() {
    List<HostRecord> hosts = new ArrayList<>();
    for (String workflowId : workflowIds()) {
      Activity.getExecutionContext().heartbeat(null);
      try {
        hosts.add(client.newWorkflowStub(HostWorkflow.class, workflowId).describe());
      } catch (WorkflowException e) {
        // gone since it was listed
      }
    }
    return hosts;
  }

  private List<String> workflowIds() {
    try {
      return sorted(client.listExecutions(QUERY).map(execution -> execution.getExecution().getWorkflowId()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.UNIMPLEMENTED) {
        throw e;
      }
      return openByType(); // Temporal's in-memory server (tests, the local fallback) lists open workflows only the older way
    }
  }

  private List<String> openByType() {
    List<String> ids = new ArrayList<>();
    ByteString page = ByteString.EMPTY;
    do {
      ListOpenWorkflowExecutionsResponse response = client.getWorkflowServiceStubs().blockingStub().listOpenWorkflowExecutions(
          ListOpenWorkflowExecutionsRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setMaximumPageSize(1000)
              .setNextPageToken(page)
              .setTypeFilter(WorkflowTypeFilter.newBuilder().setName(WORKFLOW_TYPE))
              .build());
      response.getExecutionsList().forEach(execution -> ids.add(execution.getExecution().getWorkflowId()));
      page = response.getNextPageToken();
    } while (!page.isEmpty());
    return sorted(ids.stream());
  }

  private static List<String> sorted(Stream<String> ids) {
    return ids.filter(id -> id.startsWith(HostWorkflow.workflowId(""))).distinct().sorted().toList();
  }
}
