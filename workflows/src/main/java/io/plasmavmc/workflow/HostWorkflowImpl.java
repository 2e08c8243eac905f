package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.plasmavmc.contract.fleet.HostWorkflowInput;
import io.plasmavmc.contract.fleet.ReserveRequest;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInit;
import io.temporal.workflow.WorkflowLock;
import java.time.Instant;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One host of the fleet (shared/DESIGN.md, "A fleet of hosts"). Its worker registers it and
 * reports its load (signals); placement reserves room on it and VMs give theirs back, operators
 * cordon, uncordon and drain it (updates, one at a time under one lock, so concurrent creates never
 * overbook it). Beside them run the liveness watch (a host whose worker stops reporting is
 * unreachable, and its VMs are told) and a drain once begun. The workflow never ends: it
 * continues as new with its record when its history grows long.
 */
public class HostWorkflowImpl implements HostWorkflow {
  private static final Logger log = Workflow.getLogger(HostWorkflowImpl.class);

  private final KnownHost host;
  private final HostLiveness liveness;
  private final HostDrain drain;
  private final WorkflowLock lock = Workflow.newWorkflowLock();

  @WorkflowInit
  public HostWorkflowImpl(HostWorkflowInput input) {
    this.host = new KnownHost(input);
    this.liveness = new HostLiveness(host);
    this.drain = new HostDrain(host);
  }

  @Override
  public HostRecord run(HostWorkflowInput ignored) {
    host.publish();
    Async.procedure(liveness::watch);
    Workflow.await(() -> Workflow.getInfo().isContinueAsNewSuggested() && Workflow.isEveryHandlerFinished() && !drain.running()
        && !liveness.busy());
    log.info("host {}: history is long; continuing as new", host.hostId());
    Workflow.continueAsNew(new HostWorkflowInput(host.hostId(), host.record()));
    return host.record();
  }

  // --- what the host's worker says -----------------------------------------------------------

  @Override
  public void register(HostInfo info) {
    if (info == null || !host.hostId().equals(info.hostId())) {
      log.warn("host {}: registration of another host ignored: {}", host.hostId(), info);
      return;
    }
    log.info("host {}: registered ({} vCPUs, {} MiB, {}, QEMU {}, labels {})", host.hostId(), info.vcpus(), info.memoryMib(),
        info.accelerator(), info.qemuVersion(), info.labels());
    host.register(info);
  }

  @Override
  public void report(HostLoad load) {
    if (load != null && !host.report(load)) {
      log.debug("host {}: report {} is older than the last applied; ignored", host.hostId(), load.seq());
    }
  }

  // --- room for VMs ----------------------------------------------------------------------------

  @Override
  public void validateReserve(ReserveRequest request) {
    ApplicationFailure refused = ReserveRules.refusal(host.record(), request);
    if (refused != null) {
      throw refused;
    }
  }

  @Override
  public HostRecord reserve(ReserveRequest request) {
    return locked(() -> {
      ApplicationFailure refused = ReserveRules.refusal(host.record(), request);
      if (refused != null) {
        throw refused; // another reservation validated beside this one took the room first
      }
      if (!host.holds(request.vmId())) {
        log.info("host {}: VM {} reserves {} vCPUs, {} MiB", host.hostId(), request.vmId(), request.vcpus(), request.memoryMib());
        host.reserve(request);
      }
      return host.record();
    });
  }

  @Override
  public HostRecord release(String vmId) {
    return locked(() -> {
      if (host.holds(vmId)) {
        log.info("host {}: VM {} releases its room", host.hostId(), vmId);
        host.release(vmId);
      }
      return host.record();
    });
  }

  // --- taking the host out of service ---------------------------------------------------------

  @Override
  public HostRecord cordon(String reason) {
    return locked(() -> {
      Instant started = now();
      String why = reason == null ? "" : reason;
      boolean was = host.record().cordoned();
      host.cordon(true, why);
      host.operation("cordon", (was ? "ok: already cordoned; reason now: " : "ok: ") + (why.isEmpty() ? "no reason given" : why), started);
      return host.record();
    });
  }

  @Override
  public HostRecord uncordon() {
    return locked(() -> {
      Instant started = now();
      if (drain.running()) {
        throw ApplicationFailure.newNonRetryableFailure("host " + host.hostId() + " is draining: uncordon it once its drain is done",
            FailureReasons.ILLEGAL_TRANSITION, host.hostId());
      }
      boolean was = host.record().cordoned();
      host.cordon(false, null);
      host.operation("uncordon", was ? "ok" : "nothing to do: it was not cordoned", started);
      return host.record();
    });
  }

  @Override
  public HostRecord drain() {
    return locked(() -> {
      if (drain.running()) {
        return host.record(); // one drain at a time; the record shows how far it came
      }
      if (!host.record().cordoned()) {
        host.cordon(true, "draining");
      }
      drain.start();
      return host.record();
    });
  }

  @Override
  public HostRecord describe() {
    return host.record();
  }

  private HostRecord locked(Supplier<HostRecord> body) {
    lock.lock();
    try {
      return body.get();
    } finally {
      lock.unlock();
    }
  }
}
