package io.plasmavmc.workflow;

import io.plasmavmc.contract.VmRegistryWorkflow;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

public class VmRegistryWorkflowImpl implements VmRegistryWorkflow {
  private final TreeSet<String> vmIds = new TreeSet<>();

  @Override
  public void run(List<String> carried) {
    if (carried != null) {
      vmIds.addAll(carried);
    }
    // Runs for as long as PlasmaVMC does; the history stays bounded by continuing as new.
    Workflow.await(() -> Workflow.getInfo().isContinueAsNewSuggested() && Workflow.isEveryHandlerFinished());
    Workflow.continueAsNew(new ArrayList<>(vmIds));
  }

  @Override
  public void register(String vmId) {
    vmIds.add(vmId);
  }

  @Override
  public void unregister(String vmId) {
    vmIds.remove(vmId);
  }

  @Override
  public List<String> list() {
    return new ArrayList<>(vmIds);
  }
}
