package io.plasmavmc.host.qemu;

import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.HostTimings;
import io.plasmavmc.host.storage.ImageFiles;
import io.plasmavmc.host.storage.QemuImg;
import io.plasmavmc.host.storage.VmDiskMaker;
import io.plasmavmc.host.storage.VmDisks;
import io.plasmavmc.host.vmm.Hypervisor;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import io.plasmavmc.host.vmm.Vmm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QEMU/KVM on this host: the binary, the image roots, KVM or TCG, the unprivileged user QEMU runs
 * as, the bounded waits of its steps, and the VMs' own disks (where they are, how they are made,
 * qemu-img for them), shared by every VM's {@link QemuVmm}.
 */
public final class QemuHypervisor implements Hypervisor {
  private static final Logger log = LoggerFactory.getLogger(QemuHypervisor.class);

  final HostConfig config;
  final HostTimings timings;
  final QemuCommandLine commandLine;
  final QemuLauncher launcher;
  final VmDisks disks;
  final VmDiskMaker diskMaker;
  final QemuImg qemuImg;

  public QemuHypervisor(HostConfig config, HostTimings timings) {
    this.config = config;
    this.timings = timings;
    ImageRoots roots = new ImageRoots(config.allImageRoots());
    this.commandLine = new QemuCommandLine(config.qemuBinary(), roots, config.kvmCpuModel());
    this.launcher = new QemuLauncher(config.spawnTimeout(), new QemuPriority(config.qemuNice()));
    ImageFiles images = new ImageFiles(config.storage().imageStore());
    this.disks = new VmDisks(config.storage().vmsDir(), images, roots);
    this.diskMaker = new VmDiskMaker(disks, images, config.qemuIdentity());
    this.qemuImg = new QemuImg(QemuImg.besides(config.qemuBinary()), config.qemuIdentity());
    prepareRuntimeRoot();
  }

  @Override
  public Vmm open(RuntimeDirectory dir) {
    return new QemuVmm(this, dir);
  }

  /**
   * QEMU's user may enter the runtime root (to reach its own VM's directory) but not list it; the
   * root and its parents must let it through, and the image roots must be readable to it.
   */
  private void prepareRuntimeRoot() {
    QemuIdentity identity = config.qemuIdentity();
    try {
      Files.createDirectories(config.runtimeRoot());
      if (identity != null) {
        Files.setPosixFilePermissions(config.runtimeRoot(), PosixFilePermissions.fromString("rwx--x--x"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the runtime directory " + config.runtimeRoot(), e);
    }
    if (identity == null) {
      return;
    }
    if (!identity.canEnter(config.runtimeRoot())) {
      throw new IllegalStateException("QEMU's user " + identity.name() + " cannot enter the runtime directory " + config.runtimeRoot()
          + ": give it search permission (x) on it and on every directory above it, or choose another runtime directory");
    }
    for (Path root : config.allImageRoots()) {
      if (Files.isDirectory(root) && !identity.canEnter(root)) {
        log.warn("QEMU's user {} cannot read the image root {} (or a directory above it): guests cannot use images from there",
            identity.name(), root);
      }
    }
  }
}
