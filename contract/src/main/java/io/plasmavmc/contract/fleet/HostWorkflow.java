package io.plasmavmc.contract.fleet;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One host as one durable workflow, id {@code host-<hostId>}, readable in the Temporal UI as VMs
 * are: its worker registers it and reports its load (signals); placement reserves room on it and
 * VMs release theirs (updates, one at a time: concurrent creates never overbook it); an operator
 * cordons, uncordons and drains it. A host whose worker stops reporting is unreachable.
 */
@WorkflowInterface
public interface HostWorkflow {
  @WorkflowMethod(name = "HostWorkflow")
  HostRecord run(HostWorkflowInput input);

  @SignalMethod(name = "register")
  void register(HostInfo info);

  @SignalMethod(name = "report")
  void report(HostLoad load);

  /**
   * Reserves room for a VM, or refuses: HOST_CORDONED, HOST_NOT_FOUND (its worker never
   * registered), HOST_UNAVAILABLE (its worker stopped reporting), HOST_FULL naming the resource.
   * Repeated for a VM that holds room here it answers the same.
   */
  @UpdateMethod(name = "reserve")
  HostRecord reserve(ReserveRequest request);

  @UpdateValidatorMethod(updateName = "reserve")
  void validateReserve(ReserveRequest request);

  /** Gives a VM's room back; a VM that holds none is success. */
  @UpdateMethod(name = "release")
  HostRecord release(String vmId);

  @UpdateMethod(name = "cordon")
  HostRecord cordon(String reason);

  @UpdateMethod(name = "uncordon")
  HostRecord uncordon();

  /** Cordons the host and moves each of its VMs away; answers once it started, GetHost follows it. */
  @UpdateMethod(name = "drain")
  HostRecord drain();

  @QueryMethod(name = "describe")
  HostRecord describe();

  static String workflowId(String hostId) {
    return "host-" + hostId;
  }
}
