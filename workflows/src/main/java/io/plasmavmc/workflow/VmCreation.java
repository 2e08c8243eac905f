package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflowInput;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.Set;

/**
 * A VM's creation, the workflow's first operation: placement (since {@link LegacyPaths#PLACED_BY_FLEET}),
 * then QEMU spawned, and the guest started if asked, waiting for a busy host up to the creating
 * call's own deadline. A creation refused (by placement, or by the host's spawn, or, since
 * {@link LegacyPaths#BUSY_HOST_WAITS}, by a host too busy or gone) leaves no VM: its room goes back
 * and its name is free again. Since that gate, a creation that failed after its spawn was asked
 * also ends whatever QEMU the spawn may have started (see {@link QemuSteps#undoSpawn}) before the
 * workflow ends. The creating request waits for the verdict, not for that clean-up; another
 * request for the same name is refused.
 */
final class VmCreation {
  /** The host refused the spawn before starting anything: nothing to undo. */
  private static final Set<String> NOTHING_STARTED = Set.of(FailureReasons.INVALID_SPEC, FailureReasons.HOST_FULL,
      FailureReasons.IMAGE_NOT_FOUND);
  /** Since the busy-host-waits gate, a creation that failed so leaves no VM either: the host did not take it. */
  private static final Set<String> NOT_TAKEN = Set.of(FailureReasons.HOST_BUSY, FailureReasons.HOST_UNAVAILABLE);

  private final VmWorkflowInput input;
  private final KnownVm vm;
  private final OperationFrame frame;
  private final QemuSteps steps;
  private final HostCalls host;
  private final Readiness readiness;
  private final VmPlacement placement;
  private boolean finished;
  private ApplicationFailure failure;

  VmCreation(VmWorkflowInput input, KnownVm vm, OperationFrame frame, QemuSteps steps, HostCalls host, Readiness readiness,
      VmPlacement placement) {
    this.input = input;
    this.vm = vm;
    this.frame = frame;
    this.steps = steps;
    this.host = host;
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
    boolean[] undo = new boolean[1];
    boolean[] refused = new boolean[1];
    frame.run("create", input.creationWait(), () -> {
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
      // Asked only once a spawn was: every host call asked the gate before, so no new marker is written here.
      boolean judged = steps.spawnAsked() && host.judgesHostByItsReports();
      undo[0] = judged && !NOTHING_STARTED.contains(failed.getType());
      refused[0] = placement.refusesCreation(failed) || judged && NOT_TAKEN.contains(failed.getType());
      if (refused[0]) {
        if (!undo[0]) {
          placement.release(); // the host refused to spawn it: the room it reserved goes back
        }
        vm.markDeleted("creation refused: " + failed.getOriginalMessage()); // the VM never existed: the name is free again
      } else {
        vm.setState(VmState.FAILED, failed.getOriginalMessage());
      }
    });
    finished = true;
    if (undo[0]) {
      steps.undoSpawn(vm.record().spec().hasOwnStorage() && refused[0]);
      if (refused[0]) {
        placement.release(); // only now: its room may have held a late QEMU until the undo
      }
    }
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
      if (vm.deleted()) {
        throw ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " is being removed (" + vm.record().stateReason()
            + "); its name is free again in a moment", FailureReasons.NAME_TAKEN);
      }
      throw ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " already exists (created by request " + vm.record().requestId()
          + "); repeat that request id to get it, or choose another name", FailureReasons.NAME_TAKEN);
    }
  }
}
