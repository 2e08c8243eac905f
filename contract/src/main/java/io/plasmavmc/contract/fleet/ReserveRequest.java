package io.plasmavmc.contract.fleet;

/** Asks a host for room for VM {@code vmId}; repeated for the same VM it is the same reservation. */
public record ReserveRequest(String vmId, int vcpus, long memoryMib) {}
