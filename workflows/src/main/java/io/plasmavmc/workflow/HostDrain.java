package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.host.MigrationLimits;
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
 * A host's drain: the VMs holding room on it when it began are moved away, a few at a time, each
 * listed with what was done. Since {@link LegacyPaths#DRAIN_BY_MIGRATION} each is migrated live to
 * a host placement chooses (this one is cordoned, so never here), two at a time (each transfer
 * takes the hosts' link), and only one that cannot migrate (stopped, disks of its own, no host
 * fits, its migration failed and was undone) is stopped gracefully instead; drains recorded before
 * stopped them all, four at a time. Both go through {@link VmOperations}, as lifecycle test runs
 * drive their VMs. Runs beside the workflow's handlers, so a drain answers once started and VMs
 * release their room meanwhile; the record follows it.
 */
final class HostDrain {
  private static final Logger log = Workflow.getLogger(HostDrain.class);
  /** VMs stopped at once: a guest's power-off takes seconds to a minute, and the host's worker runs the stops. */
  static final int AT_ONCE = 4;
  /** VMs migrated at once: each transfer may take the link's bandwidth (1 GiB/s by default), and the host's outbound link is one. */
  static final int MIGRATIONS_AT_ONCE = 2;
  static final int STOP_TIMEOUT_SECONDS = 60;
  /** A migration's transfer is bounded by its own limit (10 minutes); its other steps take seconds. */
  private static final Duration MIGRATION_TIMEOUT = MigrationLimits.DEFAULT_TIMEOUT.plusMinutes(5);

  private final KnownHost host;
  private List<String> vms = List.of();
  private final List<String> handled = new ArrayList<>();
  private final List<String> remaining = new ArrayList<>();
  private int next;
  private int failed;
  private Instant startedAt;
  private boolean running;
  /** Whether this drain migrates (decided once, as it begins: see {@link LegacyPaths#DRAIN_BY_MIGRATION}). */
  private boolean migrates;

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
    migrates = LegacyPaths.drainsByMigration();
    List<Promise<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < Math.min(migrates ? MIGRATIONS_AT_ONCE : AT_ONCE, vms.size()); lane++) {
      lanes.add(Async.procedure(this::lane));
    }
    Promise.allOf(lanes).get();
    progress(true);
    host.operation("drain", failed == 0 ? "ok: " + vms.size() + " VMs handled"
        : failed + " of " + vms.size() + " VMs " + (migrates ? "neither migrated nor stopped" : "not stopped"),
        startedAt);
    log.info("host {}: drained ({} of {} VMs not stopped)", host.hostId(), failed, vms.size());
    running = false;
  }

  private void lane() {
    while (next < vms.size()) {
      String vmId = vms.get(next++);
      handled.add(vmId + ": " + (migrates ? move(vmId) : stop(vmId)));
      remaining.remove(vmId);
      progress(false);
    }
  }

  /**
   * Migrates one VM away, where placement chooses; one that cannot migrate is stopped instead
   * (a VM that does not run is stopped as before: nothing to do for a stopped one). What was done, in words.
   */
  private String move(String vmId) {
    VmOperations vm = Workflow.newActivityStub(VmOperations.class, ControlActivityOptions.vmOperations(
        "migrate VM " + vmId + " away to drain host " + host.hostId(), MIGRATION_TIMEOUT));
    try {
      return "migrated to host " + vm.migrate(vmId, new MigrateRequest(null, 0, 0, null)).hostId();
    } catch (ActivityFailure failure) {
      ApplicationFailure cause = failure.getCause() instanceof ApplicationFailure app ? app : null;
      String type = cause == null ? "" : cause.getType();
      if (FailureReasons.DELETED.equals(type) || FailureReasons.NOT_FOUND.equals(type)) {
        return "already deleted";
      }
      String stopped = stop(vmId);
      return FailureReasons.ILLEGAL_TRANSITION.equals(type) ? stopped
          : stopped + " (not migrated: " + (cause != null ? cause.getOriginalMessage() : String.valueOf(failure.getCause())) + ")";
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
