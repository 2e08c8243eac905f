package io.plasmavmc.contract.host;

import java.time.Instant;

/**
 * Something the host observed about a VM without being asked: a QMP event (SHUTDOWN, STOP, RESUME,
 * RESET, GUEST_PANICKED), QEMU's exit, or the monitor (re-)attaching. {@code qemuPid} is the QEMU
 * process the monitor watches (so an event of an earlier QEMU is recognised as stale);
 * {@code status} is the VM's state right after the event, as QEMU reports it. {@code hostId} names
 * the host the event is about where its sender knows it (a host's workflow, a starting worker):
 * while a VM migrates, two hosts hold room for it and only its own host's news concerns it; null
 * in events recorded before it was carried.
 */
public record HostEvent(String vmId, long qemuPid, String kind, VmStatus status, Instant at, String detail, String hostId) {
  public static final String ATTACHED = "ATTACHED";
  public static final String EXITED = "EXITED";
  /**
   * A host worker started and reports what it finds: the VM's QEMU running (its state now), or gone
   * (its exit, as recorded). The workflow also starts a new monitor at once instead of waiting for
   * the dead worker's monitor to time out.
   */
  public static final String WORKER_STARTED = "WORKER_STARTED";
  /**
   * The VM's host stopped reporting to its host workflow (no report within its liveness bound):
   * sent by the host workflow, not the host, to each VM holding room there. No QEMU instance:
   * {@code qemuPid} 0, {@code status} null, {@code detail} says since when.
   */
  public static final String HOST_UNREACHABLE = "HOST_UNREACHABLE";
  /** The VM's host reports again (sent as {@link #HOST_UNREACHABLE} is, after it). */
  public static final String HOST_REACHABLE = "HOST_REACHABLE";
  /** The signal that carries HostEvents to the VM's workflow. */
  public static final String SIGNAL = "hostEvent";

  /** An event whose sender does not name the host (a VM's monitor: its pid says which QEMU it watches). */
  public HostEvent(String vmId, long qemuPid, String kind, VmStatus status, Instant at, String detail) {
    this(vmId, qemuPid, kind, status, at, detail, null);
  }

  /** Whether this event is about a host other than {@code vmHostId}: news of a migration's other end, not of the VM's host. */
  public boolean aboutAnotherHostThan(String vmHostId) {
    return hostId != null && vmHostId != null && !hostId.equals(vmHostId);
  }
}
