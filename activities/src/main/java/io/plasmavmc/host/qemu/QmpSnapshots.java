package io.plasmavmc.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.storage.DiskLayout;
import io.plasmavmc.host.storage.DiskSnapshot;
import io.plasmavmc.host.storage.SnapshotBackend;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The snapshots of a VM whose QEMU runs, kept by QEMU itself: the jobs snapshot-save,
 * snapshot-load and snapshot-delete on the snapshot disks' block nodes ({@code disk<i>}), the VM
 * state in the first. QEMU 7.2 stops a running guest for the length of a save or a load and lets
 * it run again after (a STOP and a RESUME event), and leaves a paused one paused: a load keeps the
 * run state the guest had before it, so the caller puts it back as it was when the snapshot was taken.
 */
final class QmpSnapshots implements SnapshotBackend {
  private final QmpClient qmp;
  private final QmpJobs jobs;
  private final List<DiskLayout.Disk> disks;
  private final Duration timeout;

  QmpSnapshots(String vmId, QmpClient qmp, List<DiskLayout.Disk> disks, Duration timeout) {
    this.qmp = qmp;
    this.jobs = new QmpJobs(qmp, vmId);
    this.disks = disks;
    this.timeout = timeout;
  }

  @Override
  public List<List<DiskSnapshot>> perDisk() {
    Map<String, JsonNode> nodes = new HashMap<>();
    for (JsonNode node : qmp.execute("query-named-block-nodes", Map.of("flat", true), timeout)) {
      nodes.put(node.path("node-name").asText(), node.path("image").path("snapshots"));
    }
    return disks.stream().map(disk -> DiskSnapshot.fromJson(nodes.getOrDefault(QemuCommandLine.nodeName(disk), MissingNode.getInstance()))).toList();
  }

  @Override
  public boolean finishJob(String jobId) {
    return jobs.finish(jobId);
  }

  @Override
  public void save(String name, String jobId) {
    jobs.run("snapshot-save", withVmState(name, jobId), jobId);
  }

  @Override
  public void load(String name, String jobId) {
    jobs.run("snapshot-load", withVmState(name, jobId), jobId);
  }

  @Override
  public void delete(String name, String jobId, List<Integer> indexes) {
    jobs.run("snapshot-delete", Map.of("job-id", jobId, "tag", name,
        "devices", indexes.stream().map(i -> QemuCommandLine.nodeName(disks.get(i))).toList()), jobId);
  }

  private Map<String, Object> withVmState(String name, String jobId) {
    return Map.of("job-id", jobId, "tag", name, "vmstate", QemuCommandLine.nodeName(disks.get(0)),
        "devices", disks.stream().map(QemuCommandLine::nodeName).toList());
  }

  @Override
  public String runState() {
    return qmp.execute("query-status", null, timeout).path("status").asText();
  }

  @Override
  public void resumeAs(String runState) {
    boolean wasRunning = "running".equals(runState);
    boolean running = "running".equals(runState());
    if (wasRunning && !running) {
      qmp.execute("cont", null, timeout);
    } else if (!wasRunning && running) {
      qmp.execute("stop", null, timeout);
    }
  }
}
