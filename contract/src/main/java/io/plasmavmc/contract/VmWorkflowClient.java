package io.plasmavmc.contract;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.contract.testrun.AttemptConsoleReadWorkflow;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.common.SearchAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The one way to a VM's workflow from outside it, for the gateway and for the activities of
 * lifecycle test runs alike: how the workflow is started (its id, queue, search attributes, the
 * summary the Temporal UI shows), its stub for updates and queries, and the short workflows that
 * read a VM's console (or the one a lifecycle test kept of it) or list a host's QEMUs. Temporal's
 * own exceptions pass through; each caller maps them to its own vocabulary.
 */
public final class VmWorkflowClient {
  private final WorkflowClient client;
  private final Duration hostTaskTimeout;

  /** With the default time a VM's host has to pick up its work ({@link VmWorkflowInput#DEFAULT_HOST_TASK_TIMEOUT}). */
  public VmWorkflowClient(WorkflowClient client) {
    this(client, VmWorkflowInput.DEFAULT_HOST_TASK_TIMEOUT);
  }

  public VmWorkflowClient(WorkflowClient client, Duration hostTaskTimeout) {
    this.client = client;
    this.hostTaskTimeout = hostTaskTimeout;
  }

  public WorkflowClient temporal() {
    return client;
  }

  /** The workflow of VM {@code name}, for updates and queries (it may not exist). */
  public VmWorkflow vm(String name) {
    return client.newWorkflowStub(VmWorkflow.class, TaskQueues.workflowId(name));
  }

  /**
   * Starts the VM's workflow and sends it the create update in one call to Temporal
   * (update-with-start). If the workflow already runs, the update goes to it: a retry of the
   * request that created it gets the VM, another request for the name is refused by the update's
   * validator.
   */
  public WorkflowUpdateHandle<VmRecord> create(String name, VmSpec spec, String requestId, boolean start, String hostId,
      UpdateOptions<VmRecord> options) {
    return create(name, spec, requestId, start, PlacementRequest.on(hostId), options);
  }

  /** The same, the VM's host chosen by {@code placement} (or the host it names). */
  public WorkflowUpdateHandle<VmRecord> create(String name, VmSpec spec, String requestId, boolean start, PlacementRequest placement,
      UpdateOptions<VmRecord> options) {
    return create(name, spec, requestId, start, placement, null, options);
  }

  /**
   * The same, the creation waiting for a busy host at most {@code timeout} (the creating call's
   * own deadline; null: {@link VmWorkflowInput#DEFAULT_BUSY_HOST_WAIT}).
   */
  public WorkflowUpdateHandle<VmRecord> create(String name, VmSpec spec, String requestId, boolean start, PlacementRequest placement,
      Duration timeout, UpdateOptions<VmRecord> options) {
    String hostId = placement.hostId() == null || placement.hostId().isBlank() ? null : placement.hostId();
    VmWorkflow vm = client.newWorkflowStub(VmWorkflow.class, startOptions(name, spec, hostId));
    WithStartWorkflowOperation<VmRecord> startWorkflow = new WithStartWorkflowOperation<>(vm::run,
        new VmWorkflowInput(name, name, requestId, spec, hostId, start, hostTaskTimeout, null, placement, timeout));
    return WorkflowClient.startUpdateWithStart(vm::awaitCreated, requestId, options, startWorkflow);
  }

  /** What the VM's workflow ended with, waiting up to {@code wait}; null if it still runs or cannot be read. */
  public VmRecord resultOrNull(String name, Duration wait) {
    try {
      return WorkflowStub.fromTyped(vm(name)).getResult(wait.toMillis(), TimeUnit.MILLISECONDS, VmRecord.class);
    } catch (Exception e) {
      return null;
    }
  }

  /** The end of the VM's serial console, read on its host by a short workflow of its own (the VM's history stays as it is). */
  public ConsoleTail readConsole(VmRecord vm, int maxBytes) {
    ConsoleReadWorkflow read = client.newWorkflowStub(ConsoleReadWorkflow.class,
        shortWorkflow(ConsoleReadWorkflow.workflowId(vm.vmId(), UUID.randomUUID().toString()),
            "read the serial console of VM **" + vm.name() + "**"));
    return read.read(vm.hostId(), vm.vmId(), maxBytes, hostTaskTimeout);
  }

  /**
   * The end of the console that lifecycle test run {@code runId}'s host {@code hostId} kept of its
   * attempt's VM {@code vmName} (the VM may be long gone), read by a short workflow of its own.
   */
  public ConsoleTail readKeptConsole(String hostId, String runId, String vmName, int maxBytes) {
    AttemptConsoleReadWorkflow read = client.newWorkflowStub(AttemptConsoleReadWorkflow.class,
        shortWorkflow(AttemptConsoleReadWorkflow.workflowId(vmName, UUID.randomUUID().toString()),
            "read the kept console of **" + vmName + "** (lifecycle test " + runId + ")"));
    return read.read(hostId, runId, vmName, maxBytes, hostTaskTimeout);
  }

  /** QEMU processes on {@code hostId} that no VM workflow owns (VM id to pid), asked of the host through a short workflow. */
  public Map<String, Long> orphans(String hostId) {
    HostScanWorkflow scan = client.newWorkflowStub(HostScanWorkflow.class,
        shortWorkflow(HostScanWorkflow.workflowId(hostId, UUID.randomUUID().toString()),
            "list the QEMU processes of host `" + hostId + "` (orphan report)"));
    return orphansAmong(scan.scan(hostId, hostTaskTimeout));
  }

  /**
   * Those of {@code running} (VM id to QEMU pid) whose VM workflow is not running: left by a crash
   * between a workflow's end and its cleanup, or started by hand in a runtime directory. Only an
   * operator, or an explicit setting, may end them.
   */
  public Map<String, Long> orphansAmong(Map<String, Long> running) {
    Map<String, Long> orphans = new TreeMap<>();
    running.forEach((vmId, pid) -> {
      if (!workflowRunning(vmId)) {
        orphans.put(vmId, pid);
      }
    });
    return orphans;
  }

  private boolean workflowRunning(String vmId) {
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

  /** A start for a name whose workflow runs joins it (the create update's validator tells a retry from a second request). */
  private static WorkflowOptions startOptions(String name, VmSpec spec, String hostId) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(TaskQueues.workflowId(name))
        .setTaskQueue(TaskQueues.CONTROL)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .setStaticSummary(hostId == null ? "VM **" + name + "**, its host chosen by placement" : "VM **" + name + "** on host `" + hostId + "`")
        .setStaticDetails(spec.vcpus() + " vCPU, " + spec.memoryMib() + " MiB, " + spec.machineType() + ", accelerator " + spec.accelerator())
        .setTypedSearchAttributes(SearchAttributes.newBuilder()
            .set(VmSearchAttributes.NAME, name)
            .set(VmSearchAttributes.STATE, VmState.CREATING.name())
            .set(VmSearchAttributes.HOST, hostId == null ? "" : hostId)
            .build())
        .build();
  }

  /** A short workflow of one host activity, bounded by the host's timeout like every operation. */
  private WorkflowOptions shortWorkflow(String workflowId, String summary) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(TaskQueues.CONTROL)
        .setWorkflowExecutionTimeout(hostTaskTimeout.plusSeconds(60))
        .setStaticSummary(summary)
        .build();
  }
}
