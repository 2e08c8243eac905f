package io.plasmavmc.host;

import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.PortForward;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.vm.HostedVm;
import io.plasmavmc.host.vmm.SpecSize;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Admits a VM to this host under its {@link HostLimits}: its port forwards, its memory against
 * the host's, and the room left by the QEMUs that run (their saved specs, read from their runtime
 * directories, so a restarted worker counts them too) and by the spawns under way (reserved until
 * they end): VMs, memory and vCPUs.
 */
final class HostCapacity {
  private final HostLimits limits;
  private final long hostMemoryMib;
  private final int hostCpus;
  private final Map<String, SpecSize> reserved = new HashMap<>();

  HostCapacity(HostLimits limits) {
    this(limits, HostMemory.totalMib(), Runtime.getRuntime().availableProcessors());
  }

  /** With the host's size given (0 memory: unknown, no memory limit then). */
  HostCapacity(HostLimits limits, long hostMemoryMib, int hostCpus) {
    this.limits = limits;
    this.hostMemoryMib = hostMemoryMib;
    this.hostCpus = hostCpus;
  }

  /** Checks what no host of this configuration could ever run: refused as an invalid spec. */
  void checkSpec(VmSpec spec) {
    for (int i = 0; i < spec.portForwards().size(); i++) {
      PortForward forward = spec.portForwards().get(i);
      String field = "spec.port_forwards[" + i + "]";
      String address = forward.hostAddress() == null || forward.hostAddress().isEmpty() ? "127.0.0.1" : forward.hostAddress();
      if (!limits.forwardAddresses().contains(address)) {
        throw new InvalidSpecException(field + ".host_address", "must be one of this host's forward addresses " + limits.forwardAddresses());
      }
      if (forward.hostPort() < limits.minForwardPort() || forward.hostPort() > limits.maxForwardPort()) {
        throw new InvalidSpecException(field + ".host_port", "must be between " + limits.minForwardPort() + " and " + limits.maxForwardPort()
            + " on this host");
      }
    }
    long most = memoryLimitMib();
    if (most > 0 && spec.memoryMib() > most) {
      throw new InvalidSpecException("spec.memory_mib", "must be at most " + most + " on this host");
    }
    if (spec.vcpus() > vcpuLimit()) {
      throw new InvalidSpecException("spec.vcpus", "must be at most " + vcpuLimit() + " on this host");
    }
  }

  /**
   * Reserves room for {@code vmId} among the VMs that run, or refuses naming the limit it would
   * pass; returns what gives the room back.
   */
  synchronized Runnable reserve(String vmId, VmSpec spec, List<HostedVm> running) {
    Set<String> counted = running.stream().map(HostedVm::id).collect(Collectors.toSet());
    int vms = running.size() + (int) reserved.keySet().stream().filter(id -> !counted.contains(id)).count();
    if (vms >= limits.maxVms()) {
      throw new HostFullException("this host runs its limit of " + limits.maxVms() + " VMs (max VMs)");
    }
    SpecSize used = reserved.values().stream().reduce(SpecSize.UNKNOWN, SpecSize::plus);
    for (HostedVm vm : running) {
      used = reserved.containsKey(vm.id()) ? used : used.plus(vm.directory().specSize());
    }
    long most = memoryLimitMib();
    if (most > 0 && used.memoryMib() + spec.memoryMib() > most) {
      throw new HostFullException("this host's VM memory would reach " + (used.memoryMib() + spec.memoryMib()) + " MiB of its limit of "
          + most + " MiB (its memory times the overcommit of " + limits.memoryOvercommit() + ")");
    }
    long vcpus = vcpuLimit();
    if (used.vcpus() + spec.vcpus() > vcpus) {
      throw new HostFullException("this host's VMs would have " + (used.vcpus() + spec.vcpus()) + " vCPUs of its limit of " + vcpus
          + " vCPUs (its " + hostCpus + " CPUs times the CPU allocation ratio of " + limits.cpuAllocationRatio() + ")");
    }
    reserved.put(vmId, new SpecSize(spec.vcpus(), spec.memoryMib()));
    return () -> release(vmId);
  }

  private synchronized void release(String vmId) {
    reserved.remove(vmId);
  }

  private long memoryLimitMib() {
    return hostMemoryMib <= 0 ? 0 : (long) (hostMemoryMib * limits.memoryOvercommit());
  }

  private long vcpuLimit() {
    return (long) Math.floor(hostCpus * limits.cpuAllocationRatio());
  }
}
