package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflowInput;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;

/**
 * A VM's creation, the workflow's first operation: placement (since {@link LegacyPaths#PLACED_BY_FLEET}),
 * then QEMU spawned, and the guest started if asked. A creation refused (by placement, or by the
 * host's spawn) leaves no VM: its room goes back and its name is free again. The creating request
 * waits for it; another request for the same name is refused.
 */
final class VmCreation {
  private final VmWorkflowInput input;
  private final KnownVm vm;
  private final OperationFrame frame;
  private final QemuSteps steps;
  private final Readiness readiness;
  private final VmPlacement placement;
  private boolean finished;
  private ApplicationFailure failure;

  VmCreation(VmWorkflowInput input, KnownVm vm, OperationFrame frame, QemuSteps steps, Readiness readiness, VmPlacement placement) {
    this.input = input;
    this.vm = vm;
    this.frame = frame;
    this.steps = steps;
    this.readiness = readiness;
    this.placement = placement;
    this.finished = input.carried() != null;
  }

  /** The VM's record as its first run begins: on the host named, or on none until placement chooses one. */
  static VmRecord firstRecord(VmWorkflowInput input) {
    boolean named = input.hostId() != null && !input.hostId().isBlank();
    return new VmRecord(input.vmId(), input.name(), input.requestId(), input.spec(), named ? input.hostId() : "", VmState.CREATING,
        named ? "creating QEMU on host " + input.hostId() : "choosing a host", "", 0, now(), now(), now(), null, 1, null);
  }

  void run() {
    frame.run("create", () -> {
      if (LegacyPaths.placesThroughFleet()) {
        placement.place();
      }
      if (input.startOnCreate()) {
        steps.boot("create", "boot");
        readiness.probe(0);
      } else {
        steps.spawn("create");
        steps.refreshFromHost();
      }
    }, (failed, before) -> {
      failure = failed;
      if (placement.refusesCreation(failed)) {
        placement.release(); // the host refused to spawn it: the room it reserved goes back
        vm.markDeleted("creation refused: " + failed.getOriginalMessage()); // the VM never existed: the name is free again
      } else {
        vm.setState(VmState.FAILED, failed.getOriginalMessage());
      }
    });
    finished = true;
  }

  /** For the creating request: the VM once created, or how its creation failed. */
  VmRecord awaitCreated() {
    Workflow.await(() -> finished);
    if (failure != null) {
      throw failure;
    }
    return vm.record();
  }

  void validate(String requestId) {
    if (requestId != null && !requestId.equals(vm.record().requestId())) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " already exists (created by request " + vm.record().requestId()
          + "); repeat that request id to get it, or choose another name", FailureReasons.NAME_TAKEN);
    }
  }
}
