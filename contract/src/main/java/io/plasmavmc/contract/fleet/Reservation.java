package io.plasmavmc.contract.fleet;

import java.time.Instant;

/** Room a VM holds on a host from its placement until it is deleted. */
public record Reservation(String vmId, int vcpus, long memoryMib, Instant at) {}
