package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Whether an operation may run, asked twice: by the update's validator before anything is written
 * to history (a refusal leaves no trace), and again once the operation holds the VM's lock in the
 * {@link OperationFrame}, since a queued operation may find the VM changed by the one before it.
 * The state machine ({@link Transitions}) decides first; a snapshot operation's own rules
 * ({@link SnapshotRules}) or a migration's ({@link MigrationRules}) after it.
 */
final class OperationGate {
  private static final Logger log = Workflow.getLogger(OperationGate.class);
  private static final Supplier<ApplicationFailure> NO_OTHER_RULES = () -> null;
  /** Failures that say the host did nothing of the operation. */
  private static final Set<String> NOTHING_DONE = Set.of(FailureReasons.HOST_UNAVAILABLE, FailureReasons.HOST_BUSY, FailureReasons.HOST_FULL);

  private final KnownVm vm;
  private final OperationFrame frame;

  OperationGate(KnownVm vm, OperationFrame frame) {
    this.vm = vm;
    this.frame = frame;
  }

  /** For an update's validator: throws if {@code operation} is refused now. */
  void validate(VmOperation operation) {
    validate(operation, NO_OTHER_RULES);
  }

  void validate(VmOperation operation, SnapshotRequest request) {
    validate(operation, snapshotRules(operation, request));
  }

  VmRecord run(VmOperation operation, Runnable body) {
    return run(operation, NO_OTHER_RULES, body);
  }

  VmRecord run(VmOperation operation, SnapshotRequest request, Runnable body) {
    return run(operation, snapshotRules(operation, request), body);
  }

  private Supplier<ApplicationFailure> snapshotRules(VmOperation operation, SnapshotRequest request) {
    return () -> SnapshotRules.refusal(operation, vm.record(), request);
  }

  /** For an update's validator: throws if {@code operation} is refused now, by the state machine or by {@code rules} (null: none). */
  void validate(VmOperation operation, Supplier<ApplicationFailure> rules) {
    if (vm.state() == VmState.DELETED) {
      throw VmFailures.deleted(vm.name());
    }
    if (!Transitions.acceptable(operation, vm.state())) {
      throw VmFailures.illegal(operation, vm.state(), vm.name());
    }
    ApplicationFailure refused = rules.get();
    if (refused != null) {
      throw refused;
    }
  }

  /** Runs {@code body} in the operation frame once the operation is (still) allowed; answers with the VM as it ended up. */
  VmRecord run(VmOperation operation, Supplier<ApplicationFailure> rules, Runnable body) {
    try {
      frame.run(operation.updateName(), () -> decideThenRun(operation, rules, body), (failure, before) -> {
        if (NOTHING_DONE.contains(failure.getType()) && vm.state() != before) {
          // The host did not take the work (unreachable, busy, or without room for it): the VM is as it was before.
          vm.change(record -> record.withState(before, record.stateReason(), now()));
        }
        throw failure;
      });
    } finally {
      vm.publish();
    }
    return vm.record();
  }

  private void decideThenRun(VmOperation operation, Supplier<ApplicationFailure> rules, Runnable body) {
    VmState state = vm.state();
    Transitions.Decision decision = Transitions.decide(operation, state);
    if (state == VmState.DELETED && operation != VmOperation.DELETE) {
      throw frame.refuse("VM was deleted", VmFailures.deleted(vm.name()));
    }
    if (decision == Transitions.Decision.ILLEGAL) {
      throw frame.refuse("VM was " + state, VmFailures.illegal(operation, state, vm.name()));
    }
    if (decision == Transitions.Decision.NOTHING_TO_DO) {
      frame.nothingToDo("VM was already " + state);
      return;
    }
    ApplicationFailure refused = rules.get();
    if (refused != null) {
      throw frame.refuse(refused.getOriginalMessage(), refused);
    }
    log.info("VM {}: {} (state {})", vm.name(), operation.updateName(), state);
    body.run();
  }
}
