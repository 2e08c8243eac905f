package io.plasmavmc.gateway;

import io.plasmavmc.api.v1.Placement;
import io.plasmavmc.contract.fleet.Labels;
import io.plasmavmc.contract.fleet.PlacementPolicy;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.spec.InvalidSpecException;

/** CreateVm's host_id and placement as the contract's PlacementRequest; each failure names its field. */
final class PlacementRequests {
  private PlacementRequests() {}

  /**
   * A named host wins (placement keeps to it, refusing it if cordoned, unknown or full); with none,
   * placement chooses among the hosts that have every label asked, by the policy asked.
   */
  static PlacementRequest of(String hostId, Placement placement) {
    String host = hostId.isEmpty() ? null : Requests.name("host_id", hostId);
    PlacementPolicy policy = switch (placement.getPolicy()) {
      case PLACEMENT_POLICY_UNSPECIFIED, PLACEMENT_POLICY_SPREAD -> PlacementPolicy.SPREAD;
      case PLACEMENT_POLICY_PACK -> PlacementPolicy.PACK;
      default -> throw Requests.invalid("placement.policy", "must be PLACEMENT_POLICY_SPREAD or PLACEMENT_POLICY_PACK");
    };
    try {
      return new PlacementRequest(host, policy, Labels.checked(placement.getLabelsMap(), "placement.labels"));
    } catch (InvalidSpecException e) {
      throw ErrorDetails.invalidField(e.getMessage());
    }
  }
}
