package io.plasmavmc.contract.fleet;

/** What a host's workflow starts with: its host id, and its record when it continues as new (null on the first run). */
public record HostWorkflowInput(String hostId, HostRecord carried) {}
