package io.plasmavmc.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.PlacementPolicy;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.fleet.Reservation;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Placement's ranking and its words, without Temporal. */
class PlacementRankingTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  private static final PlacementRequest SPREAD = new PlacementRequest(null, PlacementPolicy.SPREAD, Map.of());
  private static final PlacementRequest PACK = new PlacementRequest(null, PlacementPolicy.PACK, Map.of());

  /** A reachable, uncordoned host of 8 cores (16 vCPUs admitted) and {@code memoryMib}, at most 10 VMs, {@code usedMib} reserved by one VM. */
  private static HostRecord host(String hostId, long memoryMib, long usedMib) {
    return host(hostId, memoryMib, usedMib, Map.of());
  }

  private static HostRecord host(String hostId, long memoryMib, long usedMib, Map<String, String> labels) {
    HostInfo info = HostWorkflowTest.info(hostId, 8, memoryMib, 10, labels);
    Map<String, Reservation> reservations = new HashMap<>();
    if (usedMib > 0) {
      reservations.put("old-" + hostId, new Reservation("old-" + hostId, 1, usedMib, NOW));
    }
    return new HostRecord(hostId, info, new HostLoad(0, 0, 0, memoryMib, NOW, 1), NOW, true, reservations, false, null, null, List.of());
  }

  private static HostRecord cordoned(HostRecord host, String reason, boolean draining) {
    return new HostRecord(host.hostId(), host.info(), host.load(), host.lastReportAt(), true, host.reservations(), true, reason,
        draining ? new DrainProgress(false, 1, List.of(), List.of("x"), NOW, null) : null, List.of());
  }

  private static HostRecord unreachable(HostRecord host) {
    return new HostRecord(host.hostId(), host.info(), host.load(), host.lastReportAt(), false, host.reservations(), false, null, null,
        List.of());
  }

  @Test
  void spreadTakesTheMostMemoryLeftAndPackTheLeastThatFitsTiesByHostId() {
    List<HostRecord> hosts = List.of(host("h3", 8192, 4096), host("h1", 8192, 2048), host("h2", 16384, 2048), host("h4", 8192, 2048));
    assertEquals(List.of("h2", "h1", "h4", "h3"), PlacementRanking.rank(hosts, 2, 1024, SPREAD).candidates());
    assertEquals(List.of("h3", "h1", "h4", "h2"), PlacementRanking.rank(hosts, 2, 1024, PACK).candidates());
  }

  @Test
  void theReasonSaysThePolicyTheChosenHostsFiguresAndWhyOthersWerePassedOver() {
    List<HostRecord> hosts = List.of(host("h1", 8192, 2048), host("h2", 16384, 2048), cordoned(host("h3", 65536, 0), "maintenance", false),
        unreachable(host("h4", 65536, 0)), host("h5", 65536, 0, Map.of("zone", "a")), host("h6", 1024, 0));
    PlacementRanking ranking = PlacementRanking.rank(hosts, 2, 2048, new PlacementRequest(null, PlacementPolicy.SPREAD, Map.of()));
    assertEquals(List.of("h5", "h2", "h1"), ranking.candidates());
    PlacementRanking zoned = PlacementRanking.rank(hosts, 2, 2048, new PlacementRequest(null, PlacementPolicy.SPREAD, Map.of("zone", "b")));
    assertEquals(List.of(), zoned.candidates(), "no host has zone=b");
    PlacementRanking anyZone = PlacementRanking.rank(hosts.subList(0, 5), 2, 2048, SPREAD);
    HostRoom after = HostRoom.of(host("h5", 65536, 2048));
    assertEquals("spread (the most memory left): host h5, 63488 MiB of memory left after the VM (2048 of 65536 MiB, 1 of 16 vCPUs, "
        + "1 of 10 VMs committed); passed over: h1 (4096 MiB left), h2 (12288 MiB left), h3 (cordoned: maintenance), h4 (unreachable)",
        anyZone.chosen("h5", after, List.of()));
    // The figures are the chosen host's once it holds the VM's room (here one reservation of 4096 MiB).
    assertEquals("spread (the most memory left): host h2, 12288 MiB of memory left after the VM (4096 of 16384 MiB, 1 of 16 vCPUs, "
        + "1 of 10 VMs committed); passed over: h1 (4096 MiB left), h3 (cordoned: maintenance), h4 (unreachable); "
        + "refused the reservation meanwhile: host h5 holds 10 VMs, its limit (max VMs 10)",
        anyZone.chosen("h2", HostRoom.of(host("h2", 16384, 4096)), List.of("host h5 holds 10 VMs, its limit (max VMs 10)")));
  }

  @Test
  void labelsAreConstraints() {
    List<HostRecord> hosts = List.of(host("h1", 8192, 0, Map.of("zone", "a", "gpu", "yes")), host("h2", 16384, 0, Map.of("zone", "a")),
        host("h3", 65536, 0, Map.of("zone", "b", "gpu", "yes")));
    assertEquals(List.of("h1"), PlacementRanking.rank(hosts, 1, 512,
        new PlacementRequest(null, PlacementPolicy.SPREAD, Map.of("zone", "a", "gpu", "yes"))).candidates());
    PlacementRanking none = PlacementRanking.rank(hosts, 1, 512, new PlacementRequest(null, PlacementPolicy.SPREAD, Map.of("zone", "c")));
    assertEquals("no host has the labels zone=c; hosts passed over: h1 (lacks zone=c), h2 (lacks zone=c), h3 (lacks zone=c)",
        none.noFit(List.of()));
  }

  @Test
  void noHostFitsNamesTheTightestResource() {
    List<HostRecord> full = List.of(host("h1", 8192, 7168), host("h2", 8192, 6656), host("h3", 4096, 3072));
    assertEquals("no host has 2048 MiB of memory free (most: h2, 1536 MiB); hosts passed over: h1 (1024 MiB of memory free), "
        + "h2 (1536 MiB of memory free), h3 (1024 MiB of memory free)", PlacementRanking.rank(full, 2, 2048, SPREAD).noFit(List.of()));

    List<HostRecord> mixed = List.of(host("h1", 8192, 7168), host("h2", 8192, 6656), cordoned(host("h3", 65536, 0), "", true));
    assertEquals("no host fits; the tightest: 2048 MiB of memory free, lacking on 2 of 3 hosts (most: h2, 1536 MiB); hosts passed over: "
        + "h1 (1024 MiB of memory free), h2 (1536 MiB of memory free), h3 (draining)",
        PlacementRanking.rank(mixed, 2, 2048, SPREAD).noFit(List.of()));

    assertEquals("no host has 32 vCPUs free (most: h1, 15); hosts passed over: h1 (15 vCPUs free)",
        PlacementRanking.rank(List.of(host("h1", 8192, 512)), 32, 512, SPREAD).noFit(List.of()));
    assertEquals("no host is reachable; hosts passed over: h1 (unreachable)",
        PlacementRanking.rank(List.of(unreachable(host("h1", 8192, 0))), 1, 512, SPREAD).noFit(List.of()));
    assertEquals("every host is cordoned; hosts passed over: h1 (cordoned: upgrade)",
        PlacementRanking.rank(List.of(cordoned(host("h1", 8192, 0), "upgrade", false)), 1, 512, SPREAD).noFit(List.of()));
    assertEquals("no host has registered: start a host worker", PlacementRanking.rank(List.of(), 1, 512, SPREAD).noFit(List.of()));
    String raced = PlacementRanking.rank(List.of(host("h1", 8192, 0)), 1, 512, SPREAD).noFit(List.of("host h1 holds 10 VMs, its limit (max VMs 10)"));
    assertTrue(raced.endsWith("refused the reservation meanwhile: host h1 holds 10 VMs, its limit (max VMs 10)"), raced);
  }

  @Test
  void whatAHostReportsCommittedCountsWhenItExceedsItsReservations() {
    HostRecord reported = new HostRecord("h1", HostWorkflowTest.info("h1", 8, 8192, 10, Map.of()), new HostLoad(3, 6, 7000, 1024, NOW, 2),
        NOW, true, Map.of(), false, null, null, List.of());
    HostRoom room = HostRoom.of(reported);
    assertEquals(1192, room.free(HostRoom.Resource.MEMORY));
    assertEquals(10, room.free(HostRoom.Resource.VCPUS));
    assertEquals(7, room.free(HostRoom.Resource.VMS));
  }
}
