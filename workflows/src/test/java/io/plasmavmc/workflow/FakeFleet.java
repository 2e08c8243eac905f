package io.plasmavmc.workflow;

import io.plasmavmc.contract.fleet.FleetActivities;
import io.plasmavmc.contract.fleet.MigrationPlacement;
import io.plasmavmc.contract.fleet.MigrationTarget;
import io.plasmavmc.contract.fleet.PlacementDecision;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The fleet as a VM's workflow sees it, in memory: a named host is taken as named, otherwise
 * {@link #chosen} is; a test may make it refuse. The real placement (host workflows, ranking) has
 * tests of its own: these are about what the VM does with the answer.
 */
final class FakeFleet implements FleetActivities {
  /** Each placement asked, as "vm on host-or-empty by policy". */
  final List<String> asked = new CopyOnWriteArrayList<>();
  /** Each room given back, as "vm@host". */
  final List<String> released = new CopyOnWriteArrayList<>();
  volatile String chosen = VmWorkflowTest.HOST;
  /** Where a migration goes when its request names no host. */
  volatile String migrationTarget = "h2";
  /** When set, placement refuses with this type and message. */
  volatile String refusalType;
  volatile String refusalMessage;

  @Override
  public PlacementDecision place(String vmId, VmSpec spec, PlacementRequest request) {
    boolean named = request.hostId() != null && !request.hostId().isBlank();
    asked.add(vmId + " on " + (named ? request.hostId() : "") + " by " + request.policy());
    if (refusalType != null) {
      throw ApplicationFailure.newNonRetryableFailure(refusalMessage, refusalType);
    }
    return named
        ? new PlacementDecision(request.hostId(), "host " + request.hostId() + " named by the request (fake)")
        : new PlacementDecision(chosen, request.policy().name().toLowerCase() + ": host " + chosen + " (fake)");
  }

  @Override
  public void release(String hostId, String vmId) {
    released.add(vmId + "@" + hostId);
  }

  @Override
  public MigrationTarget reserveTarget(String vmId, VmSpec spec, MigrationPlacement request) {
    asked.add(vmId + " migrates from " + request.sourceHostId() + " to " + (request.targetHostId() == null ? "" : request.targetHostId()));
    if (refusalType != null) {
      throw ApplicationFailure.newNonRetryableFailure(refusalMessage, refusalType);
    }
    String target = request.targetHostId() != null ? request.targetHostId() : migrationTarget;
    return new MigrationTarget(target, "192.0.2.7", request.targetHostId() != null ? "host " + target + " named by the request (fake)"
        : "spread: host " + target + " (fake)");
  }

  @Override
  public void releaseFor(String hostId, String vmId, String operationId) {
    released.add(vmId + "@" + hostId);
  }
}
