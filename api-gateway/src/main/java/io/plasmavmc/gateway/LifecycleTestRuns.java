package io.plasmavmc.gateway;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmWorkflowClient;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt;
import io.plasmavmc.contract.testrun.LifecycleTestPlan;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import io.plasmavmc.contract.testrun.LifecycleTestWatch;
import io.plasmavmc.contract.testrun.LifecycleTestWorkflow;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The gateway's way to lifecycle test runs: one workflow each, started, queried, watched, listed
 * (visibility) and cancelled; and the consoles their hosts kept of their attempts.
 */
final class LifecycleTestRuns {
  private final WorkflowClient client;
  private final VmWorkflowClient vms;

  LifecycleTestRuns(WorkflowClient client, Duration hostTaskTimeout) {
    this.client = client;
    this.vms = new VmWorkflowClient(client, hostTaskTimeout);
  }

  /** Starts the run; a run that already exists under that id (running or ended) is returned as it is. */
  LifecycleTestReport start(LifecycleTestPlan plan) {
    LifecycleTestWorkflow run = client.newWorkflowStub(LifecycleTestWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(LifecycleTestWorkflow.workflowId(plan.runId()))
        .setTaskQueue(TaskQueues.CONTROL)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .setStaticSummary("lifecycle test **" + plan.runId() + "**: " + plan.iterations() + " iterations, " + plan.concurrency()
            + " at a time, " + (plan.hostId() == null ? "each VM where placement puts it" : "on host `" + plan.hostId() + "`"))
        .setStaticDetails(plan.spec().vcpus() + " vCPU, " + plan.spec().memoryMib() + " MiB, readiness by "
            + plan.spec().readiness().describe() + (plan.reboot() ? ", with a reboot" : "") + ", graceful stop within "
            + plan.stopTimeoutSeconds() + " s, up to " + plan.infraRetries() + " infrastructure retries per iteration")
        .build());
    try {
      WorkflowClient.start(run::run, plan);
    } catch (WorkflowExecutionAlreadyStarted e) {
      // the run exists and has ended: the same id is the same run
    } catch (RuntimeException e) {
      throw Failures.toStatus(plan.runId(), e);
    }
    return get(plan.runId());
  }

  LifecycleTestReport get(String runId) {
    LifecycleTestReport report = query(runId, LifecycleTestWorkflow::report);
    // Queried before its first workflow task ran: it exists, nothing has happened yet.
    return report.runId().isEmpty() ? LifecycleTestReport.pending(runId, null, "starting") : report;
  }

  /** The run for a watcher: its state (with its attempts if asked) and its attempts' events after {@code afterSeq}. */
  LifecycleTestWatch watch(String runId, long afterSeq, boolean withAttempts) {
    LifecycleTestWatch view = query(runId, run -> run.watch(afterSeq, withAttempts));
    return view.run().runId().isEmpty() ? new LifecycleTestWatch(LifecycleTestReport.pending(runId, null, "starting"), List.of(), 0) : view;
  }

  private <T> T query(String runId, Function<LifecycleTestWorkflow, T> query) {
    try {
      return query.apply(client.newWorkflowStub(LifecycleTestWorkflow.class, LifecycleTestWorkflow.workflowId(runId)));
    } catch (WorkflowNotFoundException e) {
      throw notFound(runId);
    } catch (RuntimeException e) {
      StatusRuntimeException status = Failures.toStatus(runId, e);
      throw status.getStatus().getCode() == Status.Code.NOT_FOUND ? notFound(runId) : status;
    }
  }

  /**
   * The end of the console the run's host kept of its attempt on VM {@code vmName}: NOT_FOUND for
   * an attempt the run does not have or a console not kept, FAILED_PRECONDITION while it runs.
   */
  ConsoleTail keptConsole(String runId, String vmName, int maxBytes) {
    LifecycleTestReport run = get(runId);
    LifecycleTestAttempt attempt = run.attempt(vmName);
    if (attempt == null) {
      throw ErrorDetails.withReason(Status.NOT_FOUND.withDescription("lifecycle test run " + runId + " has no attempt on VM " + vmName),
          "ATTEMPT_NOT_FOUND");
    }
    if (attempt.outcome() == LifecycleTestAttempt.Outcome.RUNNING) {
      throw ErrorDetails.withReason(Status.FAILED_PRECONDITION.withDescription("the attempt on VM " + vmName + " still runs: its host keeps "
          + "its console when it ends (GetConsoleLog reads the VM's meanwhile)"), "ATTEMPT_RUNNING");
    }
    if (!attempt.consoleKept()) {
      throw ErrorDetails.withReason(Status.NOT_FOUND.withDescription("the host of lifecycle test run " + runId + " kept no console of VM "
          + vmName + " (the run began before hosts kept consoles, or the host could not keep this one: its worker's log says why)"),
          "CONSOLE_NOT_KEPT");
    }
    try {
      // Each attempt's VM may have been placed on a host of its own; older runs ran all on the run's host.
      String hostId = attempt.hostId().isEmpty() ? run.hostId() : attempt.hostId();
      return vms.readKeptConsole(hostId, runId, vmName, maxBytes);
    } catch (RuntimeException e) {
      throw Failures.toStatus(vmName, e);
    }
  }

  /** Cancels the run and waits (up to two minutes) until it has deleted its VMs and ended. */
  LifecycleTestReport cancel(String runId) {
    WorkflowStub run = client.newUntypedWorkflowStub(LifecycleTestWorkflow.workflowId(runId));
    LifecycleTestReport now = get(runId); // NOT_FOUND for a run that does not exist
    if (now.state() != LifecycleTestReport.State.RUNNING) {
      return now;
    }
    try {
      run.cancel();
      run.getResult(2, TimeUnit.MINUTES, LifecycleTestReport.class);
    } catch (TimeoutException e) {
      throw Status.DEADLINE_EXCEEDED.withDescription("lifecycle test run " + runId
          + " was asked to cancel and is still deleting its VMs; GetLifecycleTestRun shows when it ended").asRuntimeException();
    } catch (RuntimeException e) {
      // ended on its own meanwhile: its report says how
    }
    return get(runId);
  }

  record Page(List<LifecycleTestReport> runs, String nextPageToken) {}

  /** Runs newest first, from Temporal's visibility store; each one's report from its workflow. */
  Page list(int pageSize, String pageToken) {
    ListWorkflowExecutionsRequest.Builder request = ListWorkflowExecutionsRequest.newBuilder()
        .setNamespace(client.getOptions().getNamespace())
        .setQuery("WorkflowType = 'LifecycleTestWorkflow'")
        .setPageSize(pageSize);
    if (!pageToken.isEmpty()) {
      try {
        request.setNextPageToken(ByteString.copyFrom(Base64.getUrlDecoder().decode(pageToken)));
      } catch (IllegalArgumentException e) {
        throw Requests.invalid("page_token", "is not a token ListLifecycleTestRuns returned");
      }
    }
    ListWorkflowExecutionsResponse response;
    try {
      response = client.getWorkflowServiceStubs().blockingStub().listWorkflowExecutions(request.build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
        throw Requests.invalid("page_token", "is not a token ListLifecycleTestRuns returned");
      }
      throw Failures.toStatus("lifecycle test runs", e);
    }
    List<LifecycleTestReport> runs = new ArrayList<>();
    for (WorkflowExecutionInfo info : response.getExecutionsList()) {
      String runId = info.getExecution().getWorkflowId().substring(LifecycleTestWorkflow.ID_PREFIX.length());
      try {
        runs.add(get(runId));
      } catch (StatusRuntimeException e) {
        // no worker answered for this one: what visibility knows of it
        Instant started = Instant.ofEpochSecond(info.getStartTime().getSeconds(), info.getStartTime().getNanos());
        runs.add(LifecycleTestReport.pending(runId, started, "no worker answered: " + info.getStatus()));
      }
    }
    String next = response.getNextPageToken().isEmpty() ? "" : Base64.getUrlEncoder().encodeToString(response.getNextPageToken().toByteArray());
    return new Page(runs, next);
  }

  private static StatusRuntimeException notFound(String runId) {
    return ErrorDetails.withReason(Status.NOT_FOUND.withDescription("no lifecycle test run " + runId), "RUN_NOT_FOUND");
  }
}
