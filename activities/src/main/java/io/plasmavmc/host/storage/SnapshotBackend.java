package io.plasmavmc.host.storage;

import java.util.List;

/**
 * What keeps a VM's snapshots on its disks: QEMU while it runs (QMP jobs, RAM included), qemu-img
 * while it does not (disks only). It acts on the VM's snapshot disks, in the order {@link Snapshots}
 * gave it (the first holds the VM state), and checks nothing: Snapshots decides what to do.
 */
public interface SnapshotBackend {
  /** The snapshots each snapshot disk holds, in the disks' order. */
  List<List<DiskSnapshot>> perDisk();

  /**
   * Waits for the VMM's job {@code jobId}, if it has one (a retried call's, started before a worker
   * crash), and ends it; returns whether there was one. Fails as the job did.
   */
  boolean finishJob(String jobId);

  /** Takes snapshot {@code name} of every snapshot disk (with the VM state while QEMU runs). */
  void save(String name, String jobId);

  /** Returns every snapshot disk (and the VM state while QEMU runs) to snapshot {@code name}. */
  void load(String name, String jobId);

  /** Deletes snapshot {@code name} from the snapshot disks at {@code indexes} (positions in the disks' order). */
  void delete(String name, String jobId, List<Integer> indexes);

  /** The guest's run state now (QMP's names); null when no QEMU runs. */
  String runState();

  /** Leaves the guest in {@code runState} (running or not), as it was when a snapshot was taken. */
  void resumeAs(String runState);
}
