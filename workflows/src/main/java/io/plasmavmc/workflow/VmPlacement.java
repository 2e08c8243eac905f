package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.VmWorkflowInput;
import io.plasmavmc.contract.fleet.FleetActivities;
import io.plasmavmc.contract.fleet.PlacementDecision;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Where the VM runs. At its creation, before any host activity, the fleet chooses its host (or
 * takes the one named) and reserves its room there; the VM's record takes the host and why. The
 * room goes back when the VM is deleted, or when the host refuses to spawn it. A VM created
 * before placement existed holds no room: its record has no placement, so nothing is released.
 */
final class VmPlacement {
  private static final Logger log = Workflow.getLogger(VmPlacement.class);
  /** The host's refusals of a spawn: nothing of the VM is left on the host, and its name is free again. */
  private static final Set<String> SPAWN_REFUSALS = Set.of(FailureReasons.INVALID_SPEC, FailureReasons.HOST_FULL);

  private final KnownVm vm;
  private final VmWorkflowInput input;
  /** Placement refused the VM: it holds no room anywhere. */
  private boolean refused;

  VmPlacement(KnownVm vm, VmWorkflowInput input) {
    this.vm = vm;
    this.input = input;
  }

  /** Chooses the VM's host and reserves its room there; a refusal is thrown with the fleet's reason (NO_HOST_FITS, HOST_CORDONED, ...). */
  void place() {
    PlacementRequest request = input.placement() != null ? input.placement() : PlacementRequest.on(input.hostId());
    boolean named = request.hostId() != null && !request.hostId().isBlank();
    String asking = named ? "reserve room on host " + request.hostId() : "choose a host (" + request.policy().name().toLowerCase()
        + (request.labels().isEmpty() ? "" : ", labels " + request.labels()) + ") and reserve room there";
    vm.setState(VmState.CREATING, "placement: " + asking);
    FleetActivities fleet = Workflow.newActivityStub(FleetActivities.class, ControlActivityOptions.fleet(asking));
    PlacementDecision decision;
    try {
      decision = fleet.place(vm.record().vmId(), vm.record().spec(), request);
    } catch (ActivityFailure failure) {
      refused = true;
      if (failure.getCause() instanceof ApplicationFailure app) {
        throw ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), app.getType());
      }
      throw ApplicationFailure.newNonRetryableFailure("placement failed: " + failure.getCause(), FailureReasons.HOST_ERROR);
    }
    log.info("VM {}: placed on host {}: {}", vm.name(), decision.hostId(), decision.reason());
    vm.change(record -> record.withPlacement(decision.hostId(), decision.reason()));
    vm.setState(VmState.CREATING, "placed on host " + decision.hostId());
  }

  /** Whether a creation that failed so leaves no VM: placement refused it, or the host refused to spawn it. */
  boolean refusesCreation(ApplicationFailure failure) {
    return refused || SPAWN_REFUSALS.contains(failure.getType());
  }

  /** Gives the VM's room back to its host, if it holds any; a release that cannot be done is logged, the VM goes all the same. */
  void release() {
    String placement = vm.record().placement();
    if (placement == null || placement.isEmpty()) {
      return;
    }
    String hostId = vm.record().hostId();
    FleetActivities fleet = Workflow.newActivityStub(FleetActivities.class, ControlActivityOptions.fleet("give back the VM's room on host " + hostId));
    try {
      fleet.release(hostId, vm.record().vmId());
    } catch (ActivityFailure failure) {
      log.warn("VM {}: its room on host {} could not be given back: {}", vm.name(), hostId, failure.getCause());
    }
  }
}
