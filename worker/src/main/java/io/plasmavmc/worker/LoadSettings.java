package io.plasmavmc.worker;

import io.plasmavmc.host.qemu.QemuPriority;
import java.time.Duration;

/**
 * How a host's worker keeps its head above water on a host its guests load (issue 20: 300 TCG
 * guests filled two cores, the worker's workflow tasks ran past the Temporal SDK's deadlock
 * detector and its reports came late). {@code qemuNice}: how much CPU QEMU yields to the worker
 * (0 to 19, see {@link QemuPriority}). {@code deadlockDetectionTimeout}: how long a workflow task
 * may hold its thread before the SDK fails it as a potential deadlock. The SDK's 1 s is meant for
 * a developer's idle machine; on a starved one, a task of the VM workflow's plain code took
 * longer, was failed, and was retried on the same starved machine, adding load. Ten seconds still
 * reports a real deadlock, without taking CPU starvation for one.
 */
public record LoadSettings(int qemuNice, Duration deadlockDetectionTimeout) {
  public static final Duration DEFAULT_DEADLOCK_DETECTION_TIMEOUT = Duration.ofSeconds(10);

  public LoadSettings {
    if (qemuNice < 0 || qemuNice > 19) {
      throw new IllegalArgumentException("QEMU's nice value must be 0 to 19: " + qemuNice);
    }
    deadlockDetectionTimeout = deadlockDetectionTimeout == null ? DEFAULT_DEADLOCK_DETECTION_TIMEOUT : deadlockDetectionTimeout;
    if (deadlockDetectionTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("the deadlock detection timeout must be at least 1 s (the SDK's own): " + deadlockDetectionTimeout);
    }
  }

  public static LoadSettings defaults() {
    return new LoadSettings(QemuPriority.DEFAULT_NICE, DEFAULT_DEADLOCK_DETECTION_TIMEOUT);
  }

  /** From optional settings: each missing one takes its default. */
  public static LoadSettings of(Integer qemuNice, Duration deadlockDetectionTimeout) {
    return new LoadSettings(qemuNice == null ? QemuPriority.DEFAULT_NICE : qemuNice, deadlockDetectionTimeout);
  }
}
