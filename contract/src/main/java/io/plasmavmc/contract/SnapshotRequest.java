package io.plasmavmc.contract;

/**
 * Names the snapshot an operation takes, restores or deletes. {@code jobId} names the host's job
 * for it (QEMU's snapshot-save, snapshot-load, snapshot-delete); the workflow makes it from the
 * operation, so a host activity retried after a worker crash finds its job instead of starting
 * another. Clients leave it empty.
 */
public record SnapshotRequest(String name, String jobId) {
  public static final int MAX_SNAPSHOTS = 32;

  public static SnapshotRequest named(String name) {
    return new SnapshotRequest(name, null);
  }

  public SnapshotRequest withJobId(String value) {
    return new SnapshotRequest(name, value);
  }
}
