package io.plasmavmc.workflow;

import io.plasmavmc.host.VmSpec;
import io.plasmavmc.host.VmState;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;

/**
 * How a VM's workflow is started, by the gateway and by lifecycle test runs alike: its id, queue,
 * search attributes and the summary the Temporal UI shows. A start for a name whose workflow
 * runs joins it (the create update's validator tells a retry from a second request).
 */
public final class VmWorkflowStart {
  private VmWorkflowStart() {}

  public static WorkflowOptions options(String name, VmSpec spec, String hostId) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(TaskQueues.workflowId(name))
        .setTaskQueue(TaskQueues.CONTROL)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .setStaticSummary("VM **" + name + "** on host `" + hostId + "`")
        .setStaticDetails(spec.vcpus() + " vCPU, " + spec.memoryMib() + " MiB, " + spec.machineType() + ", accelerator " + spec.accelerator())
        .setTypedSearchAttributes(SearchAttributes.newBuilder()
            .set(VmSearchAttributes.NAME, name)
            .set(VmSearchAttributes.STATE, VmState.CREATING.name())
            .set(VmSearchAttributes.HOST, hostId)
            .build())
        .build();
  }
}
