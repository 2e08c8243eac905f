package io.plasmavmc.contract;

import io.plasmavmc.contract.fleet.HostSearchAttributes;
import io.temporal.common.SearchAttributeKey;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every search attribute PlasmaVMC's workflows set (the VMs' and the hosts'): whatever prepares a
 * namespace registers all of them, since a workflow that upserts an unknown one fails its task.
 */
public final class WorkflowSearchAttributes {
  public static final List<SearchAttributeKey<String>> ALL =
      Stream.concat(VmSearchAttributes.ALL.stream(), HostSearchAttributes.ALL.stream()).toList();

  private WorkflowSearchAttributes() {}
}
