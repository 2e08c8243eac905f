package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.workflow.Workflow;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;

/**
 * The VM as its workflow knows it: the record every query and update answers with, and whether
 * the VM is deleted (its workflow then only finishes). A change of state is logged and published.
 */
final class KnownVm {
  private static final Logger log = Workflow.getLogger(KnownVm.class);

  private final VmPublisher publisher;
  private VmRecord record;
  private boolean deleted;

  KnownVm(VmRecord record, VmPublisher publisher) {
    this.record = record;
    this.publisher = publisher;
  }

  VmRecord record() {
    return record;
  }

  VmState state() {
    return record.state();
  }

  String name() {
    return record.name();
  }

  boolean deleted() {
    return deleted;
  }

  /** Takes what the host observed and publishes it. */
  void apply(VmStatus status) {
    VmState before = record.state();
    record = record.withStatus(status, now());
    if (before != record.state()) {
      log.info("VM {}: {} -> {} ({})", record.name(), before, record.state(), record.stateReason());
    }
    publish();
  }

  void setState(VmState state, String reason) {
    VmState before = record.state();
    record = record.withState(state, reason, now());
    if (before != state) {
      log.info("VM {}: {} -> {} ({})", record.name(), before, state, reason);
    }
    publish();
  }

  /** The VM is gone (or never was): DELETED, and the workflow ends. */
  void markDeleted(String reason) {
    deleted = true;
    setState(VmState.DELETED, reason);
  }

  /** Changes the record without publishing: the caller publishes when the change is complete, if the UI shows it. */
  void change(UnaryOperator<VmRecord> change) {
    record = change.apply(record);
  }

  void publish() {
    publisher.publish(record);
  }
}
