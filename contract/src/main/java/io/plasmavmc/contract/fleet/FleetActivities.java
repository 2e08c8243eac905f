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

  /**
   * Reserves room for VM {@code vmId} on the target of its migration: the host named, or one placement
   * chooses among the others by the VM's constraints; never the source. Fails as {@link #place} does,
   * and MIGRATION_UNSUPPORTED for the source named as target or a host that registered no address.
   */
  @ActivityMethod
  MigrationTarget reserveTarget(String vmId, VmSpec spec, MigrationPlacement request);

  /**
   * Gives VM {@code vmId}'s room on {@code hostId} back as a step of operation {@code operationId}
   * (a migration leaving the host, or one that failed): a retry joins the release it sent, and a
   * later operation releases anew. Room not held is success.
   */
  @ActivityMethod
  void releaseFor(String hostId, String vmId, String operationId);
}
