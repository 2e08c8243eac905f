package io.plasmavmc.host;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a host runs QEMU: where runtime directories live, which QEMU binary, which directories
 * guests may take images from, whether KVM is usable, and the bounded waits of every step.
 */
public record HostConfig(
    Path runtimeRoot,
    Path qemuBinary,
    List<Path> imageRoots,
    boolean kvmUsable,
    String kvmCpuModel,
    Duration qmpTimeout,
    Duration spawnTimeout,
    Duration killStepTimeout) {

  public HostConfig {
    imageRoots = List.copyOf(imageRoots);
  }

  public static HostConfig of(Path runtimeRoot, Path qemuBinary, List<Path> imageRoots, boolean kvmUsable) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, "host", Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(3));
  }

  /** Probes KVM on this host (see {@code KvmProbe}): usable, and with which CPU model. */
  public static HostConfig probed(Path runtimeRoot, Path qemuBinary, List<Path> imageRoots) {
    var model = io.plasmavmc.host.qemu.KvmProbe.kvmCpuModel(qemuBinary);
    return of(runtimeRoot, qemuBinary, imageRoots, model.isPresent()).withKvmCpuModel(model.orElse("host"));
  }

  public HostConfig withKvmCpuModel(String value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, value, qmpTimeout, spawnTimeout, killStepTimeout);
  }

  public HostConfig withKillStepTimeout(Duration value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, qmpTimeout, spawnTimeout, value);
  }

  public HostConfig withQmpTimeout(Duration value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, kvmCpuModel, value, spawnTimeout, killStepTimeout);
  }
}
