package io.plasmavmc.gateway;

import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.plasmavmc.contract.fleet.HostWorkflowInput;
import io.plasmavmc.contract.fleet.Reservation;
import io.plasmavmc.contract.fleet.ReserveRequest;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A host's workflow as the gateway meets it: it keeps what its worker and operators told it, and answers with its record. */
public final class FakeHostWorkflow implements HostWorkflow {
  private String hostId;
  private HostInfo info;
  private HostLoad load;
  private Instant lastReportAt;
  private final Map<String, Reservation> reservations = new HashMap<>();
  private boolean cordoned;
  private String cordonReason;
  private DrainProgress drain;

  @Override
  public HostRecord run(HostWorkflowInput input) {
    hostId = input.hostId();
    Workflow.await(() -> false);
    return describe();
  }

  @Override
  public void register(HostInfo value) {
    info = value;
  }

  @Override
  public void report(HostLoad value) {
    load = value;
    lastReportAt = now();
  }

  @Override
  public HostRecord reserve(ReserveRequest request) {
    reservations.put(request.vmId(), new Reservation(request.vmId(), request.vcpus(), request.memoryMib(), now()));
    return describe();
  }

  @Override
  public void validateReserve(ReserveRequest request) {}

  @Override
  public HostRecord release(String vmId) {
    reservations.remove(vmId);
    return describe();
  }

  @Override
  public HostRecord cordon(String reason) {
    cordoned = true;
    cordonReason = reason;
    return describe();
  }

  @Override
  public HostRecord uncordon() {
    cordoned = false;
    cordonReason = null;
    return describe();
  }

  /** Cordons the host and starts on its VMs: none handled yet, as a drain looks the moment it started. */
  @Override
  public HostRecord drain() {
    cordon("draining");
    drain = new DrainProgress(false, reservations.size(), List.of(), List.copyOf(new TreeSet<>(reservations.keySet())), now(), null);
    return describe();
  }

  @Override
  public HostRecord describe() {
    return new HostRecord(hostId, info, load, lastReportAt, info != null, reservations, cordoned, cordonReason, drain, List.of());
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
