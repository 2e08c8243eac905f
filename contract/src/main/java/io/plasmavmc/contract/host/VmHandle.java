package io.plasmavmc.contract.host;

import io.plasmavmc.contract.spec.Accelerator;

/**
 * A QEMU process on a host: {@code pid} and {@code startTime} (clock ticks since boot) name it.
 * {@code reattached} is true when spawn found the VM's QEMU already running (a retried or repeated
 * spawn) instead of starting one.
 */
public record VmHandle(String vmId, long pid, String runtimeDir, Accelerator accelerator, boolean reattached, long startTime) {
  public VmHandle(String vmId, long pid, String runtimeDir, Accelerator accelerator, boolean reattached) {
    this(vmId, pid, runtimeDir, accelerator, reattached, 0);
  }
}
