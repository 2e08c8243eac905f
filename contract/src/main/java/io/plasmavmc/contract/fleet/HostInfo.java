package io.plasmavmc.contract.fleet;

import java.time.Instant;
import java.util.Map;

/**
 * What a host is, as its worker registers it: its address on the hosts' network, its size
 * ({@code vcpus}, {@code memoryMib}), the accelerator its guests get, its QEMU's version, the
 * labels placement constraints match, its admission limits, and when its worker started.
 */
public record HostInfo(String hostId, String address, int vcpus, long memoryMib, String accelerator, String qemuVersion,
    Map<String, String> labels, HostAdmission admission, Instant workerStartedAt) {
  public HostInfo {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
