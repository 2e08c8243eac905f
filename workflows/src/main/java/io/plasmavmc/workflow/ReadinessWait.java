package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.GuestReadiness;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.contract.spec.ReadinessProbe;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * One boot's readiness wait: the host's wait for the probe (a console line that matches, or the
 * guest agent answering) races the probe's durable timer. A host worker that starts takes the
 * host's wait over at once (the one that held it is dead), reading the console again from the
 * boot's start.
 */
final class ReadinessWait {
  private static final Logger log = Workflow.getLogger(ReadinessWait.class);
  /** The host's wait outlasts the timer a little, so the timer is what decides. */
  private static final Duration WAIT_BEYOND_TIMEOUT = Duration.ofSeconds(5);

  /** The guest's readiness when the wait ended, and the reason the VM's state gives. */
  record Verdict(GuestReadiness readiness, String reason) {}

  private final Readiness readiness;
  private final HostCalls host;
  private final ReadinessProbe probe;
  private final long fromOffset;
  private final Duration timeout;
  private final long boot;
  private CancellationScope hostWaitScope;
  private Promise<ProbeResult> match;
  private DeadlineTimer deadline;
  private int workerStartsSeen;

  ReadinessWait(Readiness readiness, HostCalls host, ReadinessProbe probe, long fromOffset, Duration timeout, long boot) {
    this.readiness = readiness;
    this.host = host;
    this.probe = probe;
    this.fromOffset = fromOffset;
    this.timeout = timeout;
    this.boot = boot;
  }

  /** Waits until the race is decided; returns the verdict, or null when the boot ended first. */
  Verdict await() {
    Instant started = now();
    startHostWait(timeout);
    deadline = DeadlineTimer.start(timeout, "readiness timeout (" + timeout.toSeconds() + " s)");
    workerStartsSeen = readiness.workerStarts();
    while (true) {
      Workflow.await(() -> decided() || readiness.workerStarts() != workerStartsSeen);
      if (decided()) {
        break;
      }
      workerStartsSeen = readiness.workerStarts();
      if (LegacyPaths.renewsReadinessWaitOnWorkerStart()) {
        hostWaitScope.cancel();
        Duration elapsed = Duration.between(started, now());
        startHostWait(elapsed.compareTo(timeout) >= 0 ? Duration.ofSeconds(1) : timeout.minus(elapsed));
        log.info("VM {}: host worker started; waiting for {} anew", readiness.vmName(), probe.describe());
      }
    }
    if (match.isCompleted() && !matched()) {
      // The host's wait ended without a match before the guest's time was up (it never should):
      // the durable timer still decides.
      Workflow.await(() -> deadline.passed() || readiness.bootOver(boot));
    }
    if (!match.isCompleted()) {
      hostWaitScope.cancel(); // the guest's time is up, or its boot was ended: stop watching its console
      deadline.cancel();
    } else {
      deadline.raceDecided();
    }
    return readiness.bootOver(boot) ? null : verdict(started);
  }

  private boolean decided() {
    return match.isCompleted() || deadline.passed() || readiness.bootOver(boot);
  }

  private boolean matched() {
    return match.getFailure() == null && match.get().ready();
  }

  /** The host's wait for the probe: it ends a little after {@code left}, so the durable timer is what decides. */
  private void startHostWait(Duration left) {
    HostActivities waiter = host.stub((hostId, scheduleToStart) -> HostActivityOptions.awaitConsole(hostId, scheduleToStart, left,
        "wait for " + probe.describe() + (probe.guestAgent() ? "" : " on the serial console")));
    Duration wait = left.plus(WAIT_BEYOND_TIMEOUT);
    hostWaitScope = Workflow.newCancellationScope(() -> match = probe.guestAgent()
        ? Async.function(waiter::awaitAgent, host.vmId(), wait)
        : Async.function(waiter::awaitConsole, host.vmId(), probe.serialPattern(), fromOffset, wait));
    hostWaitScope.run();
    match.exceptionally(cancelled -> null); // a cancelled wait is expected, not a failure to report
  }

  private Verdict verdict(Instant started) {
    if (match.isCompleted() && matched()) {
      ProbeResult result = match.get();
      Instant at = result.noticedAtMillis() > 0 ? Instant.ofEpochMilli(result.noticedAtMillis()) : now();
      return new Verdict(new GuestReadiness(GuestReadiness.Status.READY, "ready: " + probe.describe() + ": \"" + result.detail() + "\"", at),
          "guest ready: " + probe.describe() + (probe.guestAgent() ? " answered " : " matched ")
              + Duration.between(started, at).toMillis() + " ms after boot");
    }
    String reason = match.isCompleted() && match.getFailure() != null
        ? "guest readiness unknown: the host could not watch its console (" + match.getFailure().getMessage() + ")"
        : "guest not ready: " + probe.describe() + (probe.guestAgent() ? " did not answer" : " not seen on the serial console")
            + " within " + timeout.toSeconds() + " s";
    return new Verdict(new GuestReadiness(GuestReadiness.Status.NOT_READY, reason, now()), reason);
  }
}
