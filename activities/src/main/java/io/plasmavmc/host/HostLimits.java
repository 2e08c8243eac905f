package io.plasmavmc.host;

import java.util.List;

/**
 * What a host admits. Port forwards listen only on {@code forwardAddresses} (default loopback),
 * on ports from {@code minForwardPort} to {@code maxForwardPort}: otherwise a client could make
 * the host listen anywhere. At most {@code maxVms} QEMUs run at once, and their memory stays within
 * the host's memory times {@code memoryOvercommit}.
 */
public record HostLimits(List<String> forwardAddresses, int minForwardPort, int maxForwardPort, int maxVms, double memoryOvercommit) {
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
  }

  public static HostLimits defaults() {
    return new HostLimits(List.of("127.0.0.1"), 1024, 65535, 1000, 1.5);
  }
}
