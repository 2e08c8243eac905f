package io.plasmavmc.contract.fleet;

/**
 * How much a host admits: at most {@code maxVms} VMs, memory up to its size times
 * {@code memoryOvercommit}, vCPUs up to its cores times {@code cpuAllocationRatio} (as Nova's
 * cpu_allocation_ratio).
 */
public record HostAdmission(int maxVms, double memoryOvercommit, double cpuAllocationRatio) {
  /** Nova's initial_cpu_allocation_ratio; Proxmox and libvirt let an operator overcommit CPUs as freely. */
  public static final double DEFAULT_CPU_ALLOCATION_RATIO = 4.0;
}
