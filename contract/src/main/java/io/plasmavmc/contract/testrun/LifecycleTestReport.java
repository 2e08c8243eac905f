package io.plasmavmc.contract.testrun;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lifecycle test run as it stands: the host it runs on, iterations passed and failed so far,
 * infrastructure retries, per-phase latency (p50/p95 over every attempt that went through the
 * phase), and every attempt.
 */
public record LifecycleTestReport(
    String runId,
    String hostId,
    State state,
    int iterations,
    int passed,
    int failed,
    int inProgress,
    int infraRetries,
    List<PhaseStats> phases,
    List<LifecycleTestAttempt> attempts,
    Instant startedAt,
    Instant endedAt,
    String reason) {

  public enum State { RUNNING, PASSED, FAILED, CANCELLED }

  /** Latency of one phase: nearest-rank percentiles, in milliseconds. */
  public record PhaseStats(String phase, int count, long p50Millis, long p95Millis, long maxMillis) {}

  public LifecycleTestReport {
    hostId = hostId == null ? "" : hostId;
    phases = phases == null ? List.of() : List.copyOf(phases);
    attempts = attempts == null ? List.of() : List.copyOf(attempts);
  }

  /** A run known to exist whose own report is not at hand (not started yet, or no worker answered). */
  public static LifecycleTestReport pending(String runId, Instant startedAt, String reason) {
    return new LifecycleTestReport(runId, "", State.RUNNING, 0, 0, 0, 0, 0, List.of(), List.of(), startedAt, null, reason);
  }

  /** The same run without its attempts (its counts, phases and state as they are). */
  public LifecycleTestReport withoutAttempts() {
    return new LifecycleTestReport(runId, hostId, state, iterations, passed, failed, inProgress, infraRetries, phases, List.of(), startedAt,
        endedAt, reason);
  }

  /** The attempt of VM {@code vmName}, or null. */
  public LifecycleTestAttempt attempt(String vmName) {
    return attempts.stream().filter(a -> a.vmName().equals(vmName)).findFirst().orElse(null);
  }

  /** Per-phase latency over {@code attempts}, phases in the order they first appear. */
  public static List<PhaseStats> phaseStats(List<LifecycleTestAttempt> attempts) {
    Map<String, List<Long>> byPhase = new LinkedHashMap<>();
    for (LifecycleTestAttempt attempt : attempts) {
      for (LifecycleTestAttempt.PhaseTiming timing : attempt.timings()) {
        byPhase.computeIfAbsent(timing.phase(), p -> new ArrayList<>()).add(timing.millis());
      }
    }
    List<PhaseStats> stats = new ArrayList<>();
    byPhase.forEach((phase, millis) -> {
      List<Long> sorted = millis.stream().sorted().toList();
      stats.add(new PhaseStats(phase, sorted.size(), percentile(sorted, 50), percentile(sorted, 95), sorted.get(sorted.size() - 1)));
    });
    return stats;
  }

  /** Nearest rank: the smallest value with at least {@code p}% of the values at or below it. */
  public static long percentile(List<Long> sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }
}
