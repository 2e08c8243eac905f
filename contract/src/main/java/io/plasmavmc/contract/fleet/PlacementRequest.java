package io.plasmavmc.contract.fleet;

import java.util.Map;

/**
 * Where a VM may go: {@code hostId} if the client named one (it wins, and is refused if cordoned,
 * unknown or full), otherwise any host with every label of {@code labels}, chosen by
 * {@code policy}.
 */
public record PlacementRequest(String hostId, PlacementPolicy policy, Map<String, String> labels) {
  public PlacementRequest {
    policy = policy == null ? PlacementPolicy.SPREAD : policy;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  public static PlacementRequest on(String hostId) {
    return new PlacementRequest(hostId, PlacementPolicy.SPREAD, Map.of());
  }
}
