package io.plasmavmc.worker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.plasmavmc.host.HostTimings;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The host layer's timings as Micrometer timers with histograms: QEMU's spawn time and each QMP round trip. */
final class WorkerMeters implements HostTimings {
  private final MeterRegistry registry;
  private final String hostId;

  WorkerMeters(MeterRegistry registry, String hostId) {
    this.registry = registry;
    this.hostId = hostId;
  }

  @Override
  public void spawned(long nanos, boolean ok) {
    Timer.builder("plasmavmc_spawn").description("QEMU started until its monitor answered")
        .tags("host", hostId, "outcome", ok ? "ok" : "failed")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void qmp(String command, long nanos) {
    Timer.builder("plasmavmc_qmp").description("a QMP command's round trip").tags("host", hostId, "command", command)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(5))
        .register(registry).record(nanos, TimeUnit.NANOSECONDS);
  }
}
