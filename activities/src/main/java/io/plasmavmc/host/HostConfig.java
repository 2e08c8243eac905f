package io.plasmavmc.host;

import io.plasmavmc.host.qemu.KvmProbe;
import io.plasmavmc.host.qemu.QemuIdentity;
import io.plasmavmc.host.qemu.QemuPriority;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * How a host runs QEMU: where runtime directories live, which QEMU binary, which directories
 * guests may take images from, whether KVM is usable, the bounded waits of every step, and the
 * unprivileged user QEMU runs as ({@code qemuIdentity}; null: as this process, which is not root),
 * and where disks are kept ({@code storage}: image store, import directory, VMs' directory).
 * {@code qemuNice}: how much CPU QEMU yields to the worker (see {@link QemuPriority}).
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
    HostLimits limits,
    HostStorage storage,
    int qemuNice) {

  public HostConfig {
    imageRoots = List.copyOf(imageRoots);
    if (qemuNice < 0 || qemuNice > 19) {
      throw new IllegalArgumentException("QEMU's nice value must be 0 to 19: " + qemuNice);
    }
    limits = limits == null ? HostLimits.defaults() : limits;
    storage = storage == null ? HostStorage.defaults() : storage;
  }

  public static HostConfig of(Path runtimeRoot, Path qemuBinary, List<Path> imageRoots, boolean kvmUsable) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, "host", Duration.ofSeconds(5), Duration.ofSeconds(30),
        Duration.ofSeconds(3), null, HostLimits.defaults(), HostStorage.defaults(), QemuPriority.DEFAULT_NICE);
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
        qemuIdentity, value, storage, qemuNice);
  }

  public HostConfig withQemuIdentity(QemuIdentity value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, qmpTimeout, spawnTimeout, killStepTimeout, value, limits, storage, qemuNice);
  }

  public HostConfig withKvmCpuModel(String value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, value, qmpTimeout, spawnTimeout, killStepTimeout, qemuIdentity, limits, storage, qemuNice);
  }

  public HostConfig withKillStepTimeout(Duration value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, qmpTimeout, spawnTimeout, value, qemuIdentity, limits, storage, qemuNice);
  }

  public HostConfig withStorage(HostStorage value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, qmpTimeout, spawnTimeout, killStepTimeout, qemuIdentity,
        limits, value, qemuNice);
  }

  /** The directories guests may take kernels, initrds and disks from: the configured roots and the image store. */
  public List<Path> allImageRoots() {
    return imageRoots.contains(storage.imageStore()) ? imageRoots
        : Stream.concat(imageRoots.stream(), Stream.of(storage.imageStore())).toList();
  }

  public HostConfig withQemuNice(int value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, qmpTimeout, spawnTimeout, killStepTimeout, qemuIdentity,
        limits, storage, value);
  }

  public HostConfig withQmpTimeout(Duration value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, value, spawnTimeout, killStepTimeout, qemuIdentity, limits, storage, qemuNice);
  }
}
