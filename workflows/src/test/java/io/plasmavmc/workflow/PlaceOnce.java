package io.plasmavmc.workflow;

import io.plasmavmc.contract.fleet.FleetActivities;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One placement as a VM's workflow asks for it, and nothing else: the chosen host, or "refused: " and the refusal's type. */
@WorkflowInterface
public interface PlaceOnce {
  @WorkflowMethod(name = "PlaceOnce")
  String place(String vmId, VmSpec spec, PlacementRequest request);

  class Impl implements PlaceOnce {
    @Override
    public String place(String vmId, VmSpec spec, PlacementRequest request) {
      FleetActivities fleet = Workflow.newActivityStub(FleetActivities.class, ControlActivityOptions.fleet("place " + vmId));
      try {
        return fleet.place(vmId, spec, request).hostId();
      } catch (ActivityFailure failure) {
        return "refused: " + ((ApplicationFailure) failure.getCause()).getType();
      }
    }
  }
}
