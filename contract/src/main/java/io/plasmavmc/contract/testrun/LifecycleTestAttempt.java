package io.plasmavmc.contract.testrun;

import java.util.List;

/**
 * One attempt at one iteration of a lifecycle test run, on a VM of its own: how it ended, in which
 * phase, why, the end of the guest's console when the guest was at fault, how long each phase it
 * went through took, whether its host kept its console ({@code consoleKept}: readable after its
 * VM is gone), and that host ({@code hostId}: the plan's or placement's; empty in runs recorded
 * before placement, whose attempts all ran on the run's host).
 */
public record LifecycleTestAttempt(
    int iteration,
    int attempt,
    String vmName,
    Outcome outcome,
    String phase,
    String reason,
    String consoleExcerpt,
    List<PhaseTiming> timings,
    boolean consoleKept,
    String hostId) {

  public enum Outcome { RUNNING, PASSED, GUEST_FAILURE, INFRASTRUCTURE_FAILURE, CANCELLED }

  /** How long one phase took, as the run saw it (the Temporal round trips included). */
  public record PhaseTiming(String phase, long millis) {}

  public LifecycleTestAttempt {
    timings = timings == null ? List.of() : List.copyOf(timings);
    consoleExcerpt = consoleExcerpt == null ? "" : consoleExcerpt;
    reason = reason == null ? "" : reason;
    phase = phase == null ? "" : phase;
    hostId = hostId == null ? "" : hostId;
  }
}
