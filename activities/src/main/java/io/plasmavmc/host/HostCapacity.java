package io.plasmavmc.host;

import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.PortForward;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.vm.HostedVm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Admits a VM to this host under its {@link HostLimits}: its port forwards, its memory against
 * the host's, and the room left by the QEMUs that run (read from their runtime directories, so a
 * restarted worker counts them too) and by the spawns under way (reserved until they end).
 */
final class HostCapacity {
  private final HostLimits limits;
  private final long hostMemoryMib;
  private final Map<String, Integer> reserved = new HashMap<>();

  HostCapacity(HostLimits limits) {
    this.limits = limits;
    this.hostMemoryMib = hostMemoryMib();
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
    long most = memoryLimitMib();
    if (most > 0) {
      long used = 0;
      for (HostedVm vm : running) {
        used += reserved.containsKey(vm.id()) ? 0 : vm.directory().specMemoryMib();
      }
      used += reserved.values().stream().mapToLong(Integer::longValue).sum();
      if (used + spec.memoryMib() > most) {
        throw new HostFullException("this host's VM memory would reach " + (used + spec.memoryMib()) + " MiB of its limit of " + most
            + " MiB (its memory times the overcommit of " + limits.memoryOvercommit() + ")");
      }
    }
    reserved.put(vmId, spec.memoryMib());
    return () -> release(vmId);
  }

  private synchronized void release(String vmId) {
    reserved.remove(vmId);
  }

  private long memoryLimitMib() {
    return hostMemoryMib <= 0 ? 0 : (long) (hostMemoryMib * limits.memoryOvercommit());
  }

  /** MemTotal of /proc/meminfo, in MiB; 0 when unknown (no memory limit then). */
  private static long hostMemoryMib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
