package io.plasmavmc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.api.v1.PlacementPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** vmctl host list|get|cordon|uncordon|drain and create's placement against the fake gateway: output and exit codes. */
class HostCommandsTest extends FakeGatewayTest {
  @Test
  void listShowsOneLineAHostWithWhatItHasCommittedOfWhatItAdmits() {
    Result list = call("host", "list");
    assertEquals(0, list.code(), list.err());
    List<String> lines = list.out().lines().toList();
    assertEquals("ID               STATE       VMS      VCPUS     MEMORY                FREE       LAST REPORT LABELS", lines.get(0));
    assertTrue(lines.get(1).matches("kvm1             READY       2/100    6/64      9\\.0GiB/96\\.0GiB        40\\.0GiB    \\d+s ago +gpu=none,zone=a"),
        lines.get(1));
    assertEquals("kvm2             UNREACHABLE 0/10     0/3       0B/4.0GiB             0B         never       -", lines.get(2));
  }

  @Test
  void getShowsTheHostAndAnUnknownOneExits3() {
    Result got = call("host", "get", "kvm1");
    assertEquals(0, got.code(), got.err());
    List<String> lines = got.out().lines().toList();
    assertEquals(List.of(
        "id:          kvm1",
        "state:       READY (takes new VMs)",
        "address:     10.0.0.1",
        "capacity:    16 CPUs, 64.0GiB; admits 64 vCPUs (CPU allocation ratio 4), 96.0GiB (memory overcommit 1.5), 100 VMs",
        "usage:       2 VMs, 6 vCPUs, 9.0GiB committed; 40.0GiB free; 3 QEMU processes",
        "runs:        kvm, QEMU 8.2.2",
        "labels:      gpu=none,zone=a"), lines.subList(0, 7));
    assertTrue(lines.get(7).matches("worker:      started 2026-12-01T10:00:00Z, last report \\S+ \\(\\d+s ago\\)"), lines.get(7));
    assertEquals("vms:         db, web", lines.get(8));

    Result missing = call("host", "get", "kvm9");
    assertEquals(3, missing.code());
    assertEquals("vmctl: NOT_FOUND: host kvm9 not found\n  reason HOST_NOT_FOUND\n", missing.err());
  }

  @Test
  void cordonPassesItsReasonAndUncordonUndoesIt() {
    Result cordoned = call("host", "cordon", "kvm1", "--reason", "kernel upgrade");
    assertEquals(0, cordoned.code(), cordoned.err());
    assertEquals("kernel upgrade", hosts.cordoned.getReason());
    assertTrue(cordoned.out().contains("state:       CORDONED (kernel upgrade)\n"), cordoned.out());
    Result uncordoned = call("host", "uncordon", "kvm1");
    assertEquals(0, uncordoned.code(), uncordoned.err());
    assertTrue(uncordoned.out().contains("state:       READY (takes new VMs)\n"), uncordoned.out());
    Result json = call("host", "cordon", "kvm1", "--json");
    assertTrue(json.out().contains("\"state\": \"HOST_STATE_CORDONED\""), json.out());
  }

  @Test
  void drainWithWatchFollowsItUntilEveryVmIsHandledAndATooSmallRoleExits6() {
    Result drained = call("host", "drain", "kvm1", "--watch");
    assertEquals(0, drained.code(), drained.err());
    assertEquals(List.of("  draining: 0 of 2 VMs handled, left: web, db", "  draining: 1 of 2 VMs handled, left: db"),
        drained.err().lines().toList());
    assertTrue(drained.out().contains("drain:       done: 2 of 2 VMs handled, started 2026-12-01T10:01:00Z, ended 2026-12-01T10:01:10Z\n"
        + "  web: stopped\n  db: stopped\n"), drained.out());

    Result denied = call("host", "drain", "kvm2");
    assertEquals(6, denied.code());
    assertTrue(denied.err().startsWith("vmctl: PERMISSION_DENIED: role operator may not call DrainHost"), denied.err());
  }

  @Test
  void hostAloneShowsItsCommandsAndExits2() {
    Result usage = call("host");
    assertEquals(2, usage.code());
    for (String command : List.of("list", "get", "cordon", "uncordon", "drain")) {
      assertTrue(usage.out().contains("\n  " + command + " "), command + " in\n" + usage.out());
    }
    assertEquals(2, call("host", "cordon").code(), "the host's id is required");
    assertEquals(List.of(), gateway.calls, "nothing sent");
  }

  @Test
  void createPassesThePlacementAndGetShowsWhy() {
    Result created = call("create", "web", "--memory", "64", "--placement", "pack", "--label", "zone=a", "--label", "gpu=none");
    assertEquals(0, created.code(), created.err());
    assertEquals("", vms.created.getHostId(), "no host: placement chooses");
    assertEquals(PlacementPolicy.PLACEMENT_POLICY_PACK, vms.created.getPlacement().getPolicy());
    assertEquals(Map.of("zone", "a", "gpu", "none"), vms.created.getPlacement().getLabelsMap());

    Result placed = call("get", "placed");
    assertTrue(placed.out().contains("host:        h1\nplacement:   spread: h1 has the most memory left (39.1 GiB) of 2 hosts that fit\n"),
        placed.out());

    Result nowhere = call("create", "nowhere", "--memory", "65536");
    assertEquals(7, nowhere.code());
    assertEquals("vmctl: RESOURCE_EXHAUSTED: no host has room for 64 GiB of memory: the most left is 39.1 GiB (h1)\n  reason NO_HOST_FITS\n",
        nowhere.err());

    assertEquals(2, call("create", "web", "--placement", "random").code());
    Result badLabel = call("create", "web", "--label", "zone");
    assertEquals(2, badLabel.code());
    assertEquals("vmctl: --label takes KEY=VALUE, not zone\n", badLabel.err());
  }
}
