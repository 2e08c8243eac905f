package io.plasmavmc.contract.fleet;

/**
 * A host as operators and placement see it, derived from its record: UNREACHABLE when its worker
 * does not report (or never registered), DRAINING while a drain moves its VMs away, CORDONED when
 * it takes no new VMs, READY otherwise. The same names as the API's HostState without its prefix,
 * and the values of the {@link HostSearchAttributes#STATE} search attribute.
 */
public enum HostState {
  READY,
  CORDONED,
  DRAINING,
  UNREACHABLE;

  public static HostState of(HostRecord host) {
    if (host.info() == null || !host.reachable()) {
      return UNREACHABLE;
    }
    if (host.drain() != null && !host.drain().done()) {
      return DRAINING;
    }
    return host.cordoned() ? CORDONED : READY;
  }
}
