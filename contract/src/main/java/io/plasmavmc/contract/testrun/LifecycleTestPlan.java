package io.plasmavmc.contract.testrun;

import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.spec.VmSpec;
import java.time.Duration;
import java.util.List;

/**
 * What a lifecycle test run does, {@code iterations} times with up to {@code concurrency} VMs at
 * once: create and start a VM of {@code spec} on {@code hostId}, wait for its readiness probe, see
 * every serial expectation (RE2) on its console and run every guest command through its agent,
 * optionally reboot and wait again, stop it gracefully within {@code stopTimeoutSeconds}, delete
 * it. An iteration that fails for the infrastructure's sake is tried again on a new VM, up to
 * {@code infraRetries} times.
 */
public record LifecycleTestPlan(
    String runId,
    VmSpec spec,
    String hostId,
    int iterations,
    int concurrency,
    List<String> serialExpectations,
    List<GuestCommand> commands,
    boolean reboot,
    int stopTimeoutSeconds,
    int infraRetries,
    Duration hostTaskTimeout) {

  public static final int MAX_ITERATIONS = 200;
  public static final int MAX_CONCURRENCY = 8;
  public static final int MAX_INFRA_RETRIES = 3;
  public static final int DEFAULT_INFRA_RETRIES = 2;
  public static final int DEFAULT_STOP_TIMEOUT_SECONDS = 30;
  /** How long a serial expectation may take to appear after the guest is ready. */
  public static final Duration EXPECTATION_WAIT = Duration.ofSeconds(10);

  public LifecycleTestPlan {
    serialExpectations = serialExpectations == null ? List.of() : List.copyOf(serialExpectations);
    commands = commands == null ? List.of() : List.copyOf(commands);
    concurrency = Math.max(1, Math.min(concurrency, iterations));
    if (stopTimeoutSeconds <= 0) {
      stopTimeoutSeconds = DEFAULT_STOP_TIMEOUT_SECONDS;
    }
    if (hostTaskTimeout == null || hostTaskTimeout.isZero() || hostTaskTimeout.isNegative()) {
      hostTaskTimeout = VmWorkflowInput.DEFAULT_HOST_TASK_TIMEOUT;
    }
  }

  /** The VM of one attempt: the run's id, the iteration (from 1), the attempt (from 1). */
  public String vmName(int iteration, int attempt) {
    return runId + "-" + iteration + "-" + attempt;
  }
}
