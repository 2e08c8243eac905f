package io.plasmavmc.contract.fleet;

/**
 * How much a host admits: at most {@code maxVms} VMs, memory up to its size times
 * {@code memoryOvercommit}, vCPUs up to its cores times {@code cpuAllocationRatio} (as Nova's
 * cpu_allocation_ratio), and at most {@code maxConcurrentSpawns} QEMUs starting at once (more wait
 * their turn on the host; 0: registered by a worker that predates the limit).
 */
public record HostAdmission(int maxVms, double memoryOvercommit, double cpuAllocationRatio, int maxConcurrentSpawns) {
  /** Nova's initial_cpu_allocation_ratio; Proxmox and libvirt let an operator overcommit CPUs as freely. */
  public static final double DEFAULT_CPU_ALLOCATION_RATIO = 4.0;

  public HostAdmission(int maxVms, double memoryOvercommit, double cpuAllocationRatio) {
    this(maxVms, memoryOvercommit, cpuAllocationRatio, 0);
  }
}
