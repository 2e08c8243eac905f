package io.plasmavmc.host;

/**
 * What a host observes about a VM: QEMU's own run state (empty when no QEMU is running), whether
 * its process is alive, and the lifecycle state this maps to, with a reason an operator can read.
 */
public record VmStatus(String vmId, VmState state, String qemuRunState, long pid, boolean alive, String reason) {}
