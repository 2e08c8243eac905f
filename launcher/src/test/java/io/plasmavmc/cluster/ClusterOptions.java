package io.plasmavmc.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * How the cluster's host workers admit VMs: {@code --cpu-allocation-ratio} and {@code --max-vms}
 * of `plasmavmc host-worker`, 0 leaving the worker's default (ratio 4, 1000 VMs). The tests keep
 * the defaults, which the fleet test fills on purpose; a benchmark putting a hundred 1-vCPU VMs on
 * each host of a 2-core machine lifts them.
 */
public record ClusterOptions(double cpuAllocationRatio, int maxVms) {
  /** What the tests run with: the workers' own defaults. */
  public static final ClusterOptions DEFAULTS = new ClusterOptions(0, 0);

  public ClusterOptions {
    if (cpuAllocationRatio < 0 || maxVms < 0) {
      throw new IllegalArgumentException("a CPU allocation ratio and a VM limit are positive (or 0: the worker's default)");
    }
  }

  /** The host worker's arguments for these limits (none for a default). */
  List<String> workerArguments() {
    List<String> arguments = new ArrayList<>();
    if (cpuAllocationRatio > 0) {
      arguments.addAll(List.of("--cpu-allocation-ratio", Double.toString(cpuAllocationRatio)));
    }
    if (maxVms > 0) {
      arguments.addAll(List.of("--max-vms", Integer.toString(maxVms)));
    }
    return arguments;
  }
}
