package io.plasmavmc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostState;
import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.fleet.HostAdmission;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A host's state as the API shows it: unreachable before anything else, then a drain under way, then cordoned. */
class HostMappingTest {
  private static final Instant LAST = Instant.parse("2026-12-01T10:00:00Z");
  private static final HostInfo INFO = new HostInfo("kvm1", "10.0.0.1", 16, 64_000, "kvm", "8.2.2", Map.of(),
      new HostAdmission(100, 1.5, 4.0), LAST);

  private static Host host(HostInfo info, boolean reachable, boolean cordoned, DrainProgress drain) {
    return HostMapping.toProto(new HostRecord("kvm1", info, null, LAST, reachable, Map.of(), cordoned, cordoned ? "maintenance" : null,
        drain, List.of()));
  }

  @Test
  void eachStateWithItsReason() {
    DrainProgress running = new DrainProgress(false, 3, List.of("web: stopped"), List.of("db", "cache"), LAST, null);
    DrainProgress done = new DrainProgress(true, 3, List.of("web: stopped", "db: stopped", "cache: stopped"), List.of(), LAST, LAST);
    assertState(HostState.HOST_STATE_READY, "takes new VMs", host(INFO, true, false, null));
    assertState(HostState.HOST_STATE_CORDONED, "maintenance", host(INFO, true, true, null));
    assertState(HostState.HOST_STATE_DRAINING, "draining: 1 of 3 VMs handled", host(INFO, true, true, running));
    assertState(HostState.HOST_STATE_CORDONED, "maintenance", host(INFO, true, true, done));
    assertState(HostState.HOST_STATE_UNREACHABLE, "its worker stopped reporting (last report 2026-12-01T10:00:00Z); maintenance",
        host(INFO, false, true, running));
    assertState(HostState.HOST_STATE_UNREACHABLE, "its worker has not registered", host(null, true, false, null));
    assertEquals(List.of("web: stopped"), host(INFO, true, true, running).getDrain().getHandledList());
  }

  private static void assertState(HostState state, String reason, Host host) {
    assertEquals(state, host.getState());
    assertEquals(reason, host.getStateReason());
  }
}
