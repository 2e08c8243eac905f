package io.plasmavmc.contract;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * The ids of the VMs that exist, for ListVms where the Temporal server has no visibility store to
 * list workflows with (the embedded in-memory server). The gateway registers a VM before starting
 * its workflow; the VM's workflow unregisters itself when it ends.
 */
@WorkflowInterface
public interface VmRegistryWorkflow {
  String WORKFLOW_ID = "plasmavmc-vm-registry";

  @WorkflowMethod(name = "VmRegistry")
  void run(List<String> vmIds);

  @SignalMethod(name = "register")
  void register(String vmId);

  @SignalMethod(name = "unregister")
  void unregister(String vmId);

  @QueryMethod(name = "list")
  List<String> list();
}
