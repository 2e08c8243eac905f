package io.plasmavmc.host.storage;

import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.host.Heartbeats;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshots of a VM whose QEMU does not run, kept by qemu-img on each snapshot disk in turn:
 * disks only, no VM state, no jobs. A qemu-img outlives a worker that dies while it runs and
 * finishes its disk (a metadata update of milliseconds, which a kill halfway would only harm); what
 * a take left on some disks only is taken again whole by the retry, see {@link Snapshots}.
 */
public final class QemuImgSnapshots implements SnapshotBackend {
  private static final Logger log = LoggerFactory.getLogger(QemuImgSnapshots.class);

  private final String vmId;
  private final QemuImg qemuImg;
  private final List<DiskLayout.Disk> disks;

  public QemuImgSnapshots(String vmId, QemuImg qemuImg, List<DiskLayout.Disk> disks) {
    this.vmId = vmId;
    this.qemuImg = qemuImg;
    this.disks = disks;
  }

  @Override
  public List<List<DiskSnapshot>> perDisk() {
    return disks.stream().map(disk -> DiskSnapshot.fromJson(qemuImg.info(disk.file(), DiskFormat.QCOW2).path("snapshots"))).toList();
  }

  @Override
  public boolean finishJob(String jobId) {
    return false;
  }

  @Override
  public void save(String name, String jobId) {
    disks.forEach(disk -> snapshot("-c", name, disk));
  }

  @Override
  public void load(String name, String jobId) {
    disks.forEach(disk -> snapshot("-a", name, disk));
  }

  @Override
  public void delete(String name, String jobId, List<Integer> indexes) {
    indexes.forEach(i -> snapshot("-d", name, disks.get(i)));
  }

  private void snapshot(String operation, String name, DiskLayout.Disk disk) {
    String what = "qemu-img snapshot " + operation + " " + name + " on disk " + disk.index();
    log.info("VM {}: {}", vmId, what);
    Heartbeats.beat(what);
    qemuImg.snapshot(operation, name, disk.file());
  }

  @Override
  public String runState() {
    return null;
  }

  @Override
  public void resumeAs(String runState) {
    // no guest runs
  }
}
