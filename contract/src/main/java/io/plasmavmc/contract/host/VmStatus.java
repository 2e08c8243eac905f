package io.plasmavmc.contract.host;

import io.plasmavmc.contract.VmState;

/**
 * What a host observes about a VM: QEMU's own run state (empty when no QEMU is running), whether
 * its process is alive, and the lifecycle state this maps to, with a reason an operator can read.
 * {@code pid} and {@code startTime} (the process's start time, in clock ticks since boot) name the
 * QEMU instance the observation is about, also for an exit; a reused pid has another start time.
 * {@code observedAt} orders observations of one host ({@link ObservationClock}); 0 where unknown.
 */
public record VmStatus(String vmId, VmState state, String qemuRunState, long pid, boolean alive, String reason, long startTime,
    long observedAt) {

  public VmStatus(String vmId, VmState state, String qemuRunState, long pid, boolean alive, String reason) {
    this(vmId, state, qemuRunState, pid, alive, reason, 0, 0);
  }

  /** The same observation, attributed to QEMU instance {@code pid}/{@code startTime} and numbered {@code observedAt}. */
  public VmStatus of(long pid, long startTime, long observedAt) {
    return new VmStatus(vmId, state, qemuRunState, pid, alive, reason, startTime, observedAt);
  }
}
