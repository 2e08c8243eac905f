package io.plasmavmc.contract.testrun;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One lifecycle test run as one durable workflow, id {@code lifecycle-test-<runId>}: it drives VM
 * workflows through {@link VmOperations} and the VMs' hosts, and survives any crash of the
 * processes around it. Cancelling the workflow cancels the run; every VM of the run is deleted
 * however the run ends.
 */
@WorkflowInterface
public interface LifecycleTestWorkflow {
  String ID_PREFIX = "lifecycle-test-";

  static String workflowId(String runId) {
    return ID_PREFIX + runId;
  }

  @WorkflowMethod(name = "LifecycleTestWorkflow")
  LifecycleTestReport run(LifecycleTestPlan plan);

  /** The run as it stands (its final report once it ended). */
  @QueryMethod(name = "report")
  LifecycleTestReport report();

  /**
   * The run for a watcher: its counts and state (with its attempts when {@code withAttempts}) and
   * the events of its attempts numbered after {@code afterSeq}. A watcher that fell further behind
   * than the events a run keeps gets every attempt that changed since, as it is now.
   */
  @QueryMethod(name = "watch")
  LifecycleTestWatch watch(long afterSeq, boolean withAttempts);
}
