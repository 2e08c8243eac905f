package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflowInput;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowLock;
import java.time.Duration;
import java.time.Instant;

/**
 * One lifecycle operation at a time per VM, creation included: an operation waits for the VM's
 * lock, runs within its deadline for a busy host ({@link OperationDeadline}), is recorded in the
 * VM's recent operations with how it ended, and then the host reports that arrived meanwhile are
 * applied.
 */
final class OperationFrame {
  /** What the caller does when the body failed; {@code before} is the VM's state when the body began. */
  interface OnFailure {
    void failed(ApplicationFailure failure, VmState before);
  }

  private final WorkflowLock lock = Workflow.newWorkflowLock();
  private final KnownVm vm;
  private final HostReports reports;
  private final OperationDeadline deadline;
  /** How the running operation ended, if not as it should: refused, nothing to do, failed. */
  private String outcome;
  /** What the record says instead of "ok" for an operation that succeeded another way (a forced-off graceful stop). */
  private String okOutcome;

  OperationFrame(KnownVm vm, HostReports reports, OperationDeadline deadline) {
    this.vm = vm;
    this.reports = reports;
    this.deadline = deadline;
  }

  boolean running() {
    return reports.operationRunning();
  }

  void run(String name, Runnable body, OnFailure onFailure) {
    run(name, VmWorkflowInput.DEFAULT_BUSY_HOST_WAIT, body, onFailure);
  }

  /** Runs the operation, which may wait for a busy host up to {@code busyHostWait} from when it holds the lock. */
  void run(String name, Duration busyHostWait, Runnable body, OnFailure onFailure) {
    lock.lock();
    deadline.begin(busyHostWait);
    reports.operationBegins();
    Instant started = now();
    VmState before = vm.state();
    outcome = null;
    okOutcome = null;
    try {
      body.run();
    } catch (ApplicationFailure failure) {
      if (outcome == null) {
        outcome = "failed: " + failure.getOriginalMessage();
      }
      onFailure.failed(failure, before);
    } finally {
      String ended = outcome != null ? outcome : okOutcome != null ? okOutcome : "ok";
      vm.change(record -> record.withOperation(new OperationRecord(name, ended, started, now())));
      reports.operationEnds();
      deadline.end();
      lock.unlock();
    }
  }

  /** The operation is refused: the record says why, and the caller throws {@code failure}. */
  ApplicationFailure refuse(String why, ApplicationFailure failure) {
    outcome = "refused: " + why;
    return failure;
  }

  /** The VM is already where the operation would take it. */
  void nothingToDo(String why) {
    outcome = "nothing to do: " + why;
  }

  /** The operation succeeded, but not as asked: the record says so instead of "ok". */
  void succeededAs(String note) {
    okOutcome = note;
  }
}
