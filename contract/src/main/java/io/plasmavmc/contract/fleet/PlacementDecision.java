package io.plasmavmc.contract.fleet;

/** The host placement chose (its room reserved there) and why, in words an operator reads in the VM's history and GetVm. */
public record PlacementDecision(String hostId, String reason) {}
