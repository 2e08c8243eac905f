package io.plasmavmc.host;

import io.plasmavmc.contract.fleet.HostAdmission;
import java.util.List;

/**
 * What a host admits. Port forwards listen only on {@code forwardAddresses} (default loopback),
 * on ports from {@code minForwardPort} to {@code maxForwardPort}: otherwise a client could make
 * the host listen anywhere. At most {@code maxVms} QEMUs run at once, their memory stays within
 * the host's memory times {@code memoryOvercommit} and their vCPUs within the host's cores times
 * {@code cpuAllocationRatio}. Placement keeps to the same limits (the host registers them); these
 * checks are the host's own backstop, for a VM placed on stale figures or named to the host. At
 * most {@code maxConcurrentSpawns} QEMUs start at once: a burst of creates queues for a spawn slot
 * instead of starting a hundred QEMUs together, which starved the host's worker of CPU (issue 20).
 */
public record HostLimits(List<String> forwardAddresses, int minForwardPort, int maxForwardPort, int maxVms, double memoryOvercommit,
    double cpuAllocationRatio, int maxConcurrentSpawns) {
  public HostLimits {
    forwardAddresses = List.copyOf(forwardAddresses);
    if (minForwardPort < 1 || maxForwardPort > 65535 || minForwardPort > maxForwardPort) {
      throw new IllegalArgumentException("forward ports must be a range within 1-65535");
    }
    if (maxVms < 1) {
      throw new IllegalArgumentException("max VMs must be at least 1");
    }
    if (memoryOvercommit <= 0) {
      throw new IllegalArgumentException("memory overcommit must be positive");
    }
    if (cpuAllocationRatio <= 0) {
      throw new IllegalArgumentException("CPU allocation ratio must be positive");
    }
    if (maxConcurrentSpawns < 1) {
      throw new IllegalArgumentException("max concurrent spawns must be at least 1");
    }
  }

  /** The same with the default spawn limit. */
  public HostLimits(List<String> forwardAddresses, int minForwardPort, int maxForwardPort, int maxVms, double memoryOvercommit,
      double cpuAllocationRatio) {
    this(forwardAddresses, minForwardPort, maxForwardPort, maxVms, memoryOvercommit, cpuAllocationRatio, defaultMaxConcurrentSpawns());
  }

  /** The same with the default CPU allocation ratio and spawn limit. */
  public HostLimits(List<String> forwardAddresses, int minForwardPort, int maxForwardPort, int maxVms, double memoryOvercommit) {
    this(forwardAddresses, minForwardPort, maxForwardPort, maxVms, memoryOvercommit, HostAdmission.DEFAULT_CPU_ALLOCATION_RATIO);
  }

  public static HostLimits defaults() {
    return new HostLimits(List.of("127.0.0.1"), 1024, 65535, 1000, 1.5);
  }

  /**
   * One QEMU starting per core, and at least two: a start is mostly CPU (QEMU's own set-up, then
   * the guest's firmware), so more at once only share the cores, and slow the worker beside them.
   */
  public static int defaultMaxConcurrentSpawns() {
    return Math.max(2, Runtime.getRuntime().availableProcessors());
  }

  /** The same limits with the host's vCPUs admitted up to its CPUs times {@code value}. */
  public HostLimits withCpuAllocationRatio(double value) {
    return new HostLimits(forwardAddresses, minForwardPort, maxForwardPort, maxVms, memoryOvercommit, value, maxConcurrentSpawns);
  }

  /** The same limits with {@code value} concurrent spawns at most. */
  public HostLimits withMaxConcurrentSpawns(int value) {
    return new HostLimits(forwardAddresses, minForwardPort, maxForwardPort, maxVms, memoryOvercommit, cpuAllocationRatio, value);
  }

  /** These limits as the host registers them with the fleet. */
  public HostAdmission admission() {
    return new HostAdmission(maxVms, memoryOvercommit, cpuAllocationRatio, maxConcurrentSpawns);
  }
}
