package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.ReserveRequest;
import io.plasmavmc.workflow.HostRoom.Resource;
import io.temporal.failure.ApplicationFailure;
import java.util.List;

/**
 * Whether a host takes a VM's reservation, asked twice like a VM's operation: by the update's
 * validator before anything is written, and again by its handler, since updates validated in the
 * same workflow task all saw the room as it was before any of them took some. A VM that holds
 * room here already is answered as before, whatever the host's state now.
 */
final class ReserveRules {
  private ReserveRules() {}

  /** The refusal, or null when the host takes it. */
  static ApplicationFailure refusal(HostRecord host, ReserveRequest request) {
    if (request == null || request.vmId() == null || request.vmId().isBlank()) {
      return ApplicationFailure.newNonRetryableFailure("reserve: a VM id is required", FailureReasons.INVALID_SPEC);
    }
    if (host.reservations().containsKey(request.vmId())) {
      return null;
    }
    String name = "host " + host.hostId();
    if (host.info() == null) {
      return ApplicationFailure.newNonRetryableFailure(name + " is not known: no worker of that id has registered",
          FailureReasons.HOST_NOT_FOUND, host.hostId());
    }
    if (host.cordoned()) {
      return ApplicationFailure.newNonRetryableFailure(name + " is cordoned" + (host.drain() != null && !host.drain().done() ? " and draining" : "")
          + (host.cordonReason() == null || host.cordonReason().isBlank() ? "" : " (" + host.cordonReason() + ")") + ": it takes no new VMs",
          FailureReasons.HOST_CORDONED, host.hostId());
    }
    if (!host.reachable()) {
      return ApplicationFailure.newNonRetryableFailure(name + " is unreachable: its worker has not reported since " + host.lastReportAt(),
          FailureReasons.HOST_UNAVAILABLE, host.hostId());
    }
    HostRoom room = HostRoom.of(host);
    List<Resource> lacking = room.lacking(request.vcpus(), request.memoryMib());
    if (!lacking.isEmpty()) {
      return ApplicationFailure.newNonRetryableFailure(room.refusal(lacking.get(0), request.vcpus(), request.memoryMib()),
          FailureReasons.HOST_FULL, host.hostId(), lacking.get(0).name());
    }
    return null;
  }
}
