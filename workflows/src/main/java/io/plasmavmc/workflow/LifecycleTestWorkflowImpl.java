package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.host.GuestExecResult;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt.Outcome;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt.PhaseTiming;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt;
import io.plasmavmc.contract.testrun.LifecycleTestPlan;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import io.plasmavmc.contract.testrun.LifecycleTestWatch;
import io.plasmavmc.contract.testrun.LifecycleTestWorkflow;
import io.plasmavmc.contract.testrun.VmOperations;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Runs a {@link LifecycleTestPlan}: {@code concurrency} lanes take the next iteration until none is
 * left. An attempt that fails for the infrastructure's sake (QEMU crashed or did not spawn, host
 * unreachable, QMP timeout) is tried again on a new VM; one that fails for the guest's (not ready
 * in time, an expectation not met, did not power off) fails the iteration, with the end of its
 * console in the report. Every attempt's VM is deleted in a scope that cancellation does not reach,
 * its host keeping the end of its console first (a run recorded before {@link
 * LegacyPaths#ARCHIVE_ATTEMPT_CONSOLES} deletes it with its console).
 */
public class LifecycleTestWorkflowImpl implements LifecycleTestWorkflow {
  private static final Logger log = Workflow.getLogger(LifecycleTestWorkflowImpl.class);
  private static final int EXCERPT_BYTES = 1024;
  /** Failed attempts that keep their console excerpt (the report stays bounded). */
  private static final int EXCERPTS_KEPT = 20;

  private LifecycleTestPlan plan;
  private final AttemptLog attempts = new AttemptLog();
  /** Whether each attempt's host keeps its console before its VM goes (asked once, at the run's start). */
  private boolean keepsConsoles;
  private int next;
  private int passed;
  private int failed;
  private int retries;
  private int excerpts;
  private LifecycleTestReport.State state = LifecycleTestReport.State.RUNNING;
  private Instant startedAt;
  private Instant endedAt;
  private String reason = "";

  /** A failure the guest is to blame for. */
  private static final class GuestProblem extends RuntimeException {
    GuestProblem(String message) {
      super(message);
    }
  }

  @Override
  public LifecycleTestReport run(LifecycleTestPlan plan) {
    this.plan = plan;
    keepsConsoles = LegacyPaths.archivesAttemptConsoles();
    startedAt = now();
    log.info("lifecycle test {}: {} iterations, {} at a time, {}", plan.runId(), plan.iterations(), plan.concurrency(),
        plan.hostId() == null || plan.hostId().isBlank() ? "each VM where placement puts it" : "on host " + plan.hostId());
    progress();
    List<Promise<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < plan.concurrency(); lane++) {
      lanes.add(Async.procedure(this::lane));
    }
    boolean cancelled = false;
    for (Promise<Void> lane : lanes) {
      try {
        lane.get();
      } catch (CanceledFailure e) {
        cancelled = true;
      }
    }
    cancelled |= CancellationScope.current().isCancelRequested();
    endedAt = now();
    if (cancelled) {
      state = LifecycleTestReport.State.CANCELLED;
      reason = "cancelled after " + (passed + failed) + " of " + plan.iterations() + " iterations; every VM of the run deleted";
    } else {
      state = failed == 0 ? LifecycleTestReport.State.PASSED : LifecycleTestReport.State.FAILED;
      reason = passed + " of " + plan.iterations() + " iterations passed" + (retries > 0 ? ", " + retries + " infrastructure retries" : "");
    }
    log.info("lifecycle test {}: {} ({})", plan.runId(), state, reason);
    progress();
    return report();
  }

  @Override
  public LifecycleTestReport report() {
    List<LifecycleTestAttempt> all = attempts.all();
    int inProgress = (int) all.stream().filter(a -> a.outcome() == Outcome.RUNNING).count();
    return new LifecycleTestReport(plan == null ? "" : plan.runId(), plan == null ? "" : plan.hostId(), state,
        plan == null ? 0 : plan.iterations(), passed, failed, inProgress, retries, LifecycleTestReport.phaseStats(all), all, startedAt,
        endedAt, reason);
  }

  @Override
  public LifecycleTestWatch watch(long afterSeq, boolean withAttempts) {
    LifecycleTestReport now = report();
    return new LifecycleTestWatch(withAttempts ? now : now.withoutAttempts(), attempts.after(afterSeq), attempts.seq());
  }

  private void lane() {
    while (next < plan.iterations() && !CancellationScope.current().isCancelRequested()) {
      iteration(++next);
    }
  }

  private void iteration(int iteration) {
    for (int attempt = 1; ; attempt++) {
      LifecycleTestAttempt result = attempt(iteration, attempt);
      if (result.outcome() == Outcome.CANCELLED) {
        throw new CanceledFailure("lifecycle test run cancelled");
      }
      if (result.outcome() == Outcome.INFRASTRUCTURE_FAILURE && attempt <= plan.infraRetries()) {
        retries++;
        log.info("lifecycle test {}: iteration {} attempt {} hit an infrastructure failure ({}); trying a new VM",
            plan.runId(), iteration, attempt, result.reason());
        continue;
      }
      if (result.outcome() == Outcome.PASSED) {
        passed++;
      } else {
        failed++;
      }
      progress();
      return;
    }
  }

  /** An attempt in progress: its slot in the report, the phase it is in, the phases it went through. */
  private final class Running {
    final int slot;
    final int iteration;
    final int attempt;
    final String name;
    final List<PhaseTiming> timings = new ArrayList<>();
    String phase = "create";
    /** The VM's host: the plan's, or the one placement chose for it (a plan may name none). */
    String hostId = plan.hostId();

    Running(int iteration, int attempt) {
      this.iteration = iteration;
      this.attempt = attempt;
      this.name = plan.vmName(iteration, attempt);
      this.slot = attempts.add(snapshot());
    }

    LifecycleTestAttempt snapshot() {
      return new LifecycleTestAttempt(iteration, attempt, name, Outcome.RUNNING, phase, "", "", timings, false, hostId);
    }

    /** Runs one phase, timed; the report shows the attempt in it meanwhile. */
    <T> T phase(String name, Supplier<T> body) {
      phase = name;
      attempts.set(slot, snapshot());
      long started = Workflow.currentTimeMillis();
      T result = body.get();
      timings.add(new PhaseTiming(name, Workflow.currentTimeMillis() - started));
      return result;
    }
  }

  private LifecycleTestAttempt attempt(int iteration, int attempt) {
    Running run = new Running(iteration, attempt);
    String name = run.name;
    Outcome outcome = Outcome.PASSED;
    String why = "";
    String excerpt = "";
    try {
      run.hostId = run.phase("create", () -> vms("create and start VM " + name, Duration.ofMinutes(5))
          .createAndStart(name, plan.spec(), plan.hostId(), "lifecycle-test-" + name, plan.hostTaskTimeout())).hostId();
      run.phase("ready", () -> vms("wait until the guest of " + name + " is ready", readyWait()).awaitReady(name));
      run.phase("checks", () -> {
        checks(name, run.hostId);
        return null;
      });
      if (plan.reboot()) {
        run.phase("reboot", () -> vms("reboot VM " + name, Duration.ofMinutes(5)).reboot(name));
        run.phase("ready after reboot", () -> vms("wait until the rebooted guest of " + name + " is ready", readyWait())
            .awaitReady(name));
      }
      VmRecord stopped = run.phase("stop", () -> vms("stop VM " + name + " gracefully",
          Duration.ofSeconds(plan.stopTimeoutSeconds()).plusMinutes(5)).stop(name, plan.stopTimeoutSeconds()));
      OperationRecord stop = stopped.recentOperations().isEmpty() ? null : stopped.recentOperations().get(stopped.recentOperations().size() - 1);
      if (stop != null && stop.forcedOff()) {
        throw new GuestProblem("the guest did not power off within " + plan.stopTimeoutSeconds() + " s of the power button (forced off)");
      }
    } catch (GuestProblem problem) {
      outcome = Outcome.GUEST_FAILURE;
      why = problem.getMessage();
    } catch (CanceledFailure cancelled) {
      outcome = Outcome.CANCELLED;
      why = "the run was cancelled";
    } catch (ActivityFailure failure) {
      if (failure.getCause() instanceof CanceledFailure) {
        outcome = Outcome.CANCELLED;
        why = "the run was cancelled";
      } else {
        ApplicationFailure cause = failure.getCause() instanceof ApplicationFailure app ? app : null;
        VmRecord vm = inDetachedScope(() -> vms("look at VM " + name, Duration.ofMinutes(1)).describe(name));
        boolean guestsFault = vm != null && !infrastructureState(vm) && cause != null
            && (FailureReasons.GUEST_NOT_READY.equals(cause.getType())
                || (FailureReasons.ILLEGAL_TRANSITION.equals(cause.getType()) && vm.state() == VmState.STOPPED));
        outcome = guestsFault ? Outcome.GUEST_FAILURE : Outcome.INFRASTRUCTURE_FAILURE;
        why = explain(cause, failure, vm);
      }
    }
    if (outcome == Outcome.GUEST_FAILURE && excerpts < EXCERPTS_KEPT) {
      excerpts++;
      excerpt = inDetachedScope(() -> consoleExcerpt(name, run.hostId));
    }
    String failedIn = outcome == Outcome.PASSED ? "" : run.phase;
    // Whatever happened, the VM goes (its console kept first): also when the run is being cancelled.
    boolean kept = inDetachedScope(() -> run.phase("delete", () -> {
      boolean archived = keepsConsoles && archiveConsole(name, run.hostId);
      vms("delete VM " + name, Duration.ofMinutes(5)).delete(name);
      return archived;
    }));
    LifecycleTestAttempt result = new LifecycleTestAttempt(iteration, attempt, name, outcome, failedIn, why, excerpt, run.timings, kept,
        run.hostId);
    attempts.set(run.slot, result);
    if (outcome != Outcome.PASSED) {
      log.info("lifecycle test {}: {} {} in phase {}: {}", plan.runId(), name, outcome, failedIn, why);
    }
    return result;
  }

  /** Serial expectations, then guest commands; the first one unmet is the guest's failure. */
  private void checks(String name, String hostId) {
    for (String pattern : plan.serialExpectations()) {
      ProbeResult seen = host(hostId, "expect /" + pattern + "/ on the console of " + name, LifecycleTestPlan.EXPECTATION_WAIT.plusSeconds(60))
          .awaitConsole(name, pattern, 0, LifecycleTestPlan.EXPECTATION_WAIT);
      if (!seen.ready()) {
        throw new GuestProblem("serial expectation /" + pattern + "/ not seen on the console within "
            + LifecycleTestPlan.EXPECTATION_WAIT.toSeconds() + " s of readiness");
      }
    }
    for (GuestCommand command : plan.commands()) {
      GuestExecResult result = host(hostId, "run `" + command.display() + "` in the guest of " + name,
          Duration.ofSeconds(command.timeoutSeconds()).plusSeconds(60)).guestExec(name, command);
      switch (result.outcome()) {
        case NO_AGENT -> throw new GuestProblem("`" + command.display() + "`: " + result.stderr());
        case TIMED_OUT -> throw new GuestProblem("`" + command.display() + "` did not exit within " + command.timeoutSeconds() + " s");
        case EXITED -> {
          if (result.exitCode() != command.expectedExitCode()) {
            throw new GuestProblem("`" + command.display() + "` exited " + result.exitCode() + ", expected " + command.expectedExitCode()
                + (result.stderr().isBlank() ? "" : ": " + tail(result.stderr().strip(), 200)));
          }
        }
      }
    }
  }

  /** Has the host keep the end of the attempt's console as an artifact of the run; false (logged) if it could not. */
  private boolean archiveConsole(String name, String hostId) {
    try {
      host(hostId, "keep the console of " + name + " (run " + plan.runId() + ")", Duration.ofSeconds(30))
          .archiveConsole(name, plan.runId(), name, HostActivities.MAX_ARCHIVED_CONSOLE_BYTES);
      return true;
    } catch (ActivityFailure e) {
      log.warn("lifecycle test {}: the console of {} is not kept: {}", plan.runId(), name,
          e.getCause() == null ? e.getMessage() : e.getCause().getMessage());
      return false;
    }
  }

  private String consoleExcerpt(String name, String hostId) {
    try {
      ConsoleTail tail = host(hostId, "read the console of " + name, Duration.ofSeconds(30)).readConsole(name, EXCERPT_BYTES);
      return new String(tail.data(), StandardCharsets.UTF_8);
    } catch (ActivityFailure e) {
      return "";
    }
  }

  /** QEMU crashed or failed, or the host stopped answering: not the guest's doing. */
  private static boolean infrastructureState(VmRecord vm) {
    return vm.state() == VmState.CRASHED || vm.state() == VmState.FAILED || vm.hostUnreachableSince() != null;
  }

  private static String explain(ApplicationFailure cause, ActivityFailure failure, VmRecord vm) {
    if (vm != null && infrastructureState(vm)) {
      return "the VM is " + (vm.hostUnreachableSince() != null ? "on an unreachable host" : vm.state()) + ": " + vm.stateReason();
    }
    if (vm != null && vm.state() == VmState.STOPPED && cause != null && FailureReasons.ILLEGAL_TRANSITION.equals(cause.getType())) {
      return "the guest powered off by itself (" + vm.stateReason() + ")";
    }
    if (cause != null) {
      return cause.getOriginalMessage();
    }
    return failure.getCause() == null ? failure.getMessage() : failure.getCause().getMessage();
  }

  private static <T> T inDetachedScope(Supplier<T> body) {
    List<T> result = new ArrayList<>(1);
    Workflow.newDetachedCancellationScope(() -> result.add(body.get())).run();
    return result.get(0);
  }

  private Duration readyWait() {
    int probe = plan.spec().readiness() == null ? 0 : plan.spec().readiness().timeoutSeconds();
    return Duration.ofSeconds(Math.max(probe, 1)).plusMinutes(2);
  }

  /** Operations on VMs run on the control queue; a dead worker is noticed by the heartbeat. */
  private VmOperations vms(String summary, Duration startToClose) {
    return Workflow.newActivityStub(VmOperations.class, ControlActivityOptions.vmOperations(summary, startToClose));
  }

  private HostActivities host(String hostId, String summary, Duration startToClose) {
    return Workflow.newActivityStub(HostActivities.class, HostActivityOptions.guestCheck(hostId, plan.hostTaskTimeout(),
        startToClose, summary));
  }

  private void progress() {
    Workflow.setCurrentDetails(String.format("%s: **%d** of %d iterations passed, **%d** failed, %d infrastructure retries",
        state, passed, plan.iterations(), failed, retries));
  }

  private static String tail(String text, int max) {
    return text.length() <= max ? text : "…" + text.substring(text.length() - max);
  }
}
