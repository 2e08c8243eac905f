package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.host.HostEvent;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;

/**
 * Whether a host is reachable, from its worker's own reports (not from how long its queue takes):
 * a durable timer of {@link #BOUND} runs from each sign of life and is cancelled by the next; if
 * it fires, the host is unreachable until it reports again. Either way, the VMs holding room on it
 * are told, so their state says HOST_UNREACHABLE within the bound and clears when it returns.
 */
final class HostLiveness {
  private static final Logger log = Workflow.getLogger(HostLiveness.class);
  /** A worker reports every few seconds; three missed reports and more make a host unreachable, a busy one's late report does not. */
  static final Duration BOUND = Duration.ofSeconds(30);
  /** A liveness timer that fires later than this says the control plane was down, not that the host was silent. */
  static final Duration OUTAGE = Duration.ofSeconds(5);

  private final KnownHost host;
  /** Telling the VMs: the workflow does not continue as new meanwhile. */
  private boolean telling;

  HostLiveness(KnownHost host) {
    this.host = host;
  }

  boolean busy() {
    return telling;
  }

  /** Runs for the workflow's whole life, beside its handlers. */
  void watch() {
    while (true) {
      Workflow.await(() -> host.lastReportAt() != null);
      long heard = host.heard();
      // A full bound after a report; after continue-as-new, what remained of it.
      Duration left = BOUND.minus(Duration.between(host.lastReportAt(), now()));
      if (host.reachable() && left.compareTo(Duration.ZERO) > 0) {
        Instant due = now().plus(left);
        if (reportWithin(left, heard, "liveness: a report within " + BOUND.toSeconds() + " s")) {
          continue;
        }
        if (Duration.between(due, now()).compareTo(OUTAGE) > 0 && LegacyPaths.gracesHostsAfterOutages()) {
          // The timer fired this late because the control plane itself was down (Temporal, or every
          // worker that runs this workflow): the host's reports could not arrive either. It is judged
          // on a full bound of time the control plane was up to hear it.
          log.info("host {}: its liveness bound passed while the control plane was down ({} late); a new bound from now", host.hostId(),
              Duration.between(due, now()));
          if (reportWithin(BOUND, heard, "liveness: a report within " + BOUND.toSeconds() + " s of the control plane's return")) {
            continue;
          }
        }
      }
      if (host.reachable()) {
        log.warn("host {}: no report since {}; unreachable", host.hostId(), host.lastReportAt());
        host.markUnreachable();
        tell(HostEvent.HOST_UNREACHABLE, "host " + host.hostId() + " unreachable: its worker has not reported for "
            + BOUND.toSeconds() + " s (last report at " + host.lastReportAt() + ")");
      }
      Workflow.await(() -> host.heard() != heard);
      log.info("host {}: reports again", host.hostId());
      tell(HostEvent.HOST_REACHABLE, "host " + host.hostId() + " reports again");
    }
  }

  /** Waits up to {@code wait} for a report after the {@code heard}th; true if one came (its timer is then cancelled). */
  private boolean reportWithin(Duration wait, long heard, String summary) {
    DeadlineTimer deadline = DeadlineTimer.start(wait, summary);
    Workflow.await(() -> host.heard() != heard || deadline.passed());
    if (deadline.passed()) {
      return false;
    }
    deadline.cancel();
    return true;
  }

  private void tell(String kind, String detail) {
    telling = true;
    try {
      VmNotices.tell(host.hostId(), host.vmIds(), kind, detail);
    } finally {
      telling = false;
    }
  }
}
