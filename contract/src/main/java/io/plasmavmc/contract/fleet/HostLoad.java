package io.plasmavmc.contract.fleet;

import java.time.Instant;

/**
 * What a host's worker observes of its host, reported to the host's workflow at a bounded rate:
 * the QEMUs that run, the vCPUs and memory their specs take, the memory the host has free, when.
 * {@code seq} orders reports of one worker.
 */
public record HostLoad(int vms, int vcpusCommitted, long memoryCommittedMib, long memoryFreeMib, Instant observedAt, long seq) {}
