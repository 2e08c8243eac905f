package io.plasmavmc.contract.fleet;

/**
 * Where a migrating VM may go: {@code targetHostId} if named (refused if it is the source, cordoned,
 * unknown or full), otherwise a host other than {@code sourceHostId} chosen as at creation, by the
 * VM's own placement constraints ({@code constraints}: its labels and policy; its host id unused).
 * {@code migrationId} makes the reservation the migration's own: a retry joins it, and another
 * migration of the same VM to the same host reserves anew.
 */
public record MigrationPlacement(String sourceHostId, String targetHostId, PlacementRequest constraints, String migrationId) {
  public MigrationPlacement {
    targetHostId = targetHostId == null || targetHostId.isBlank() ? null : targetHostId;
    constraints = constraints == null ? PlacementRequest.on(null) : constraints;
  }
}
