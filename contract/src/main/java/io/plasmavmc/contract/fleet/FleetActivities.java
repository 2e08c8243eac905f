package io.plasmavmc.contract.fleet;

import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * What a VM's workflow asks of the fleet (activities on the control queue, through the Temporal
 * client: a workflow cannot send another an update). Both are idempotent: retried, a placement
 * finds the room it reserved; a release of room not held is success.
 */
@ActivityInterface(namePrefix = "Fleet")
public interface FleetActivities {
  /**
   * Chooses a host for VM {@code vmId} and reserves its room there (the request's host if it names
   * one): fails NO_HOST_FITS naming the tightest resource, HOST_CORDONED, HOST_NOT_FOUND or
   * HOST_FULL for a named host.
   */
  @ActivityMethod
  PlacementDecision place(String vmId, VmSpec spec, PlacementRequest request);

  @ActivityMethod
  void release(String hostId, String vmId);
}
