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
    Duration qmpTimeout,
    Duration spawnTimeout,
    Duration killStepTimeout) {

  public HostConfig {
    imageRoots = List.copyOf(imageRoots);
  }

  public static HostConfig of(Path runtimeRoot, Path qemuBinary, List<Path> imageRoots, boolean kvmUsable) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(3));
  }

  public HostConfig withKillStepTimeout(Duration value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, qmpTimeout, spawnTimeout, value);
  }

  public HostConfig withQmpTimeout(Duration value) {
    return new HostConfig(runtimeRoot, qemuBinary, imageRoots, kvmUsable, value, spawnTimeout, killStepTimeout);
  }
}
