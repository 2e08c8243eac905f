package io.plasmavmc.host.storage;

import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.host.Heartbeats;
import java.util.List;

/**
 * The snapshots of a VM whose QEMU does not run, kept by qemu-img on each snapshot disk in turn:
 * disks only, no VM state, no jobs (a qemu-img that a worker crash interrupted has ended with it,
 * and what it took on some disks only is taken again whole, see {@link Snapshots}).
 */
public final class QemuImgSnapshots implements SnapshotBackend {
  private final QemuImg qemuImg;
  private final List<DiskLayout.Disk> disks;

  public QemuImgSnapshots(QemuImg qemuImg, List<DiskLayout.Disk> disks) {
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
    Heartbeats.beat("qemu-img snapshot " + operation + " " + name + " on disk " + disk.index());
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
