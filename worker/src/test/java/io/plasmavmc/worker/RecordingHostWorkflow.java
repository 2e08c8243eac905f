package io.plasmavmc.worker;

import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.plasmavmc.contract.fleet.HostWorkflowInput;
import io.plasmavmc.contract.fleet.ReserveRequest;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A host's workflow that only records the signals its worker sends. */
public final class RecordingHostWorkflow implements HostWorkflow {
  static final List<HostInfo> REGISTERED = new CopyOnWriteArrayList<>();
  static final List<HostLoad> REPORTS = new CopyOnWriteArrayList<>();

  static void reset() {
    REGISTERED.clear();
    REPORTS.clear();
  }

  @Override
  public HostRecord run(HostWorkflowInput input) {
    Workflow.await(() -> false);
    return null;
  }

  @Override
  public void register(HostInfo info) {
    if (!Workflow.isReplaying()) {
      REGISTERED.add(info);
    }
  }

  @Override
  public void report(HostLoad load) {
    if (!Workflow.isReplaying()) {
      REPORTS.add(load);
    }
  }

  // --- not sent by a worker ------------------------------------------------------------------

  @Override
  public HostRecord reserve(ReserveRequest request) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void validateReserve(ReserveRequest request) {}

  @Override
  public HostRecord release(String vmId) {
    throw new UnsupportedOperationException();
  }

  @Override
  public HostRecord cordon(String reason) {
    throw new UnsupportedOperationException();
  }

  @Override
  public HostRecord uncordon() {
    throw new UnsupportedOperationException();
  }

  @Override
  public HostRecord drain() {
    throw new UnsupportedOperationException();
  }

  @Override
  public HostRecord describe() {
    throw new UnsupportedOperationException();
  }
}
