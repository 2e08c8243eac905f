package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.testrun.VmOperations;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * A host's drain: the VMs holding room on it when it began are moved away, a few at a time (until
 * live migration exists, stopped gracefully through {@link VmOperations}, as lifecycle test runs
 * stop theirs), each listed with what was done. Runs beside the workflow's handlers, so a drain
 * answers once started and VMs release their room meanwhile; the record follows it.
 */
final class HostDrain {
  private static final Logger log = Workflow.getLogger(HostDrain.class);
  /** VMs stopped at once: a guest's power-off takes seconds to a minute, and the host's worker runs the stops. */
  static final int AT_ONCE = 4;
  static final int STOP_TIMEOUT_SECONDS = 60;

  private final KnownHost host;
  private List<String> vms = List.of();
  private final List<String> handled = new ArrayList<>();
  private final List<String> remaining = new ArrayList<>();
  private int next;
  private int failed;
  private Instant startedAt;
  private boolean running;

  HostDrain(KnownHost host) {
    this.host = host;
  }

  boolean running() {
    return running;
  }

  /** Begins with the VMs that hold room now. */
  void start() {
    running = true;
    vms = host.vmIds();
    handled.clear();
    remaining.clear();
    remaining.addAll(vms);
    next = 0;
    failed = 0;
    startedAt = now();
    log.info("host {}: draining {} VMs", host.hostId(), vms.size());
    progress(false);
    Async.procedure(this::run);
  }

  private void run() {
    List<Promise<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < Math.min(AT_ONCE, vms.size()); lane++) {
      lanes.add(Async.procedure(this::lane));
    }
    Promise.allOf(lanes).get();
    progress(true);
    host.operation("drain", failed == 0 ? "ok: " + vms.size() + " VMs handled" : failed + " of " + vms.size() + " VMs not stopped",
        startedAt);
    log.info("host {}: drained ({} of {} VMs not stopped)", host.hostId(), failed, vms.size());
    running = false;
  }

  private void lane() {
    while (next < vms.size()) {
      String vmId = vms.get(next++);
      handled.add(vmId + ": " + stop(vmId));
      remaining.remove(vmId);
      progress(false);
    }
  }

  /** Stops one VM; what was done, in words. */
  private String stop(String vmId) {
    VmOperations vm = Workflow.newActivityStub(VmOperations.class, ControlActivityOptions.vmOperations(
        "stop VM " + vmId + " to drain host " + host.hostId(), Duration.ofSeconds(STOP_TIMEOUT_SECONDS).plusMinutes(5)));
    try {
      List<OperationRecord> operations = vm.stop(vmId, STOP_TIMEOUT_SECONDS).recentOperations();
      OperationRecord stop = operations.isEmpty() ? null : operations.get(operations.size() - 1);
      if (stop != null && stop.outcome().startsWith("nothing to do")) {
        return "already stopped";
      }
      return stop != null && stop.forcedOff() ? "stopped (forced off after " + STOP_TIMEOUT_SECONDS + " s)" : "stopped";
    } catch (ActivityFailure failure) {
      ApplicationFailure cause = failure.getCause() instanceof ApplicationFailure app ? app : null;
      if (cause != null && (FailureReasons.DELETED.equals(cause.getType()) || FailureReasons.NOT_FOUND.equals(cause.getType()))) {
        return "already deleted";
      }
      failed++;
      return "not stopped: " + (cause != null ? cause.getOriginalMessage() : String.valueOf(failure.getCause()));
    }
  }

  private void progress(boolean done) {
    host.drainProgress(new DrainProgress(done, vms.size(), handled, remaining, startedAt, done ? now() : null));
  }
}
