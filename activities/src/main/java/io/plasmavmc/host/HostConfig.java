package io.plasmavmc.host;

import io.plasmavmc.host.qemu.KvmProbe;
import io.plasmavmc.host.qemu.QemuIdentity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a host runs QEMU: where runtime directories live, which QEMU binary, which directories
 * guests may take images from, whether KVM is usable, the bounded waits of every step, and the
 * unprivileged user QEMU runs as ({@code qemuIdentity}; null: as this process, which is not root).
 */
public record HostConfig(
    Path runtimeRoot,
    Path qemuBinary,
    List<Path> imageRoots,
    boolean kvmUsable,
    String kvmCpuModel,
    Duration qmpTimeout,
    Duration spawnTimeout,
    Duration killStepTimeout,
    QemuIdentity qemuIdentity,
    HostLimits limits) {

  public HostConfig {
    imageRoots = List.copyOf(imageRoots);
    limits = limits == null ? HostLimits.defaults() : limits;
  }

  public static HostConfig of(Path runtimeRoot, Path qemuBinary, List<Path> imageRoots, boolean kvmUsable) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, "host", Duration.ofSeconds(5), Duration.ofSeconds(30),
        Duration.ofSeconds(3), null, HostLimits.defaults());
  }

  /** Probes KVM on this host (see {@link KvmProbe}): usable, and with which CPU model. */
  public static HostConfig probed(Path runtimeRoot, Path qemuBinary, List<Path> imageRoots) {
    return probed(runtimeRoot, qemuBinary, imageRoots, null);
  }

  /** Probes KVM for QEMU running as {@code identity} (null: as this process). */
  public static HostConfig probed(Path runtimeRoot, Path qemuBinary, List<Path> imageRoots, QemuIdentity identity) {
    var model = KvmProbe.kvmCpuModel(qemuBinary, identity);
    return of(runtimeRoot, qemuBinary, imageRoots, model.isPresent()).withKvmCpuModel(model.orElse("host")).withQemuIdentity(identity);
  }

  public HostConfig withLimits(HostLimits value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, qmpTimeout, spawnTimeout, killStepTimeout,
        qemuIdentity, value);
  }

  public HostConfig withQemuIdentity(QemuIdentity value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, qmpTimeout, spawnTimeout, killStepTimeout, value, limits);
  }

  public HostConfig withKvmCpuModel(String value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, value, qmpTimeout, spawnTimeout, killStepTimeout, qemuIdentity, limits);
  }

  public HostConfig withKillStepTimeout(Duration value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, qmpTimeout, spawnTimeout, value, qemuIdentity, limits);
  }

  public HostConfig withQmpTimeout(Duration value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, value, spawnTimeout, killStepTimeout, qemuIdentity, limits);
  }
}
