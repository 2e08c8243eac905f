package io.plasmavmc.contract.fleet;

/**
 * How placement chooses among the hosts a VM fits: SPREAD (the default) takes the one with the
 * most memory left, so load evens out; PACK the one with the least that still fits, so whole
 * hosts stay free.
 */
public enum PlacementPolicy {
  SPREAD,
  PACK
}
