package io.plasmavmc.worker;

import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.HostMemory;
import io.plasmavmc.host.qemu.QemuVersion;
import java.time.Instant;

/** What this host is, as its worker registers it with the fleet: read once, at the worker's start. */
final class HostFacts {
  private HostFacts() {}

  static HostInfo of(WorkerSettings settings, HostConfig config, Instant workerStartedAt) {
    return new HostInfo(settings.hostId(), settings.address() == null ? PrimaryAddress.find() : settings.address(),
        Runtime.getRuntime().availableProcessors(), HostMemory.totalMib(), config.kvmUsable() ? "kvm" : "tcg",
        QemuVersion.of(settings.qemuBinary()), settings.labels(), settings.limits().admission(), workerStartedAt);
  }
}
