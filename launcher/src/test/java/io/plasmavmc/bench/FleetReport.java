package io.plasmavmc.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The fleet benchmark's figures, printed as a table to paste into the README's "Fleet figures". */
final class FleetReport {
  /** A stack's VMs created one at a time: CreateVm, and placement as each VM's history shows it. */
  record OneAtATime(int samples, Latencies create, Latencies placement, Latencies placementActivity, int failures, int qemusLeft) {}

  /** The cluster's fleet created side by side, read while it runs, and deleted side by side. */
  record Fleet(int vms, int clients, int gateways, Burst.Result created, Map<String, Integer> qemusPerHost, Latencies placement,
      Latencies get, Listing firstPage, Listing wholePage, Burst.Result deleted, int qemusLeft) {}

  /** ListVms timed with one page size, and how many VMs its page held. */
  record Listing(int pageSize, Latencies latencies, int listed) {}

  private FleetReport() {}

  static void print(String setting, OneAtATime dev, OneAtATime cluster, Fleet fleet) {
    int vms = fleet.vms();
    System.out.println();
    System.out.println("fleet benchmark: " + setting);
    System.out.println("| figure | dev server (SQLite, 1 host) | cluster (PostgreSQL, 3 hosts, 2 gateways) |");
    System.out.println("|---|---|---|");
    row("CreateVm, one at a time (" + dev.samples() + "), p50 / p95", dev.create().text(), cluster.create().text());
    row("placement (`FleetPlace` scheduled → completed), one at a time, p50 / p95", dev.placement().text(), cluster.placement().text());
    row("of which the activity itself (started → completed), p50 / p95", dev.placementActivity().text(), cluster.placementActivity().text());
    row(vms + " CreateVm from " + fleet.clients() + " clients through " + fleet.gateways() + " gateways: all answered after, failures", "–",
        String.format(Locale.ROOT, "%.1f s, %d failures", fleet.created().seconds(), fleet.created().failures().size()));
    row("their spread: VMs placed / QEMUs running, per host", "–", spread(fleet.created().spread(), fleet.qemusPerHost()));
    row("CreateVm among them, p50 / p95", "–", Latencies.of(fleet.created().millis()).text());
    row("placement among them (scheduled → completed), p50 / p95", "–", fleet.placement().text());
    row("GetVm with " + vms + " VMs, p50 / p95", "–", fleet.get().text());
    row(listing(fleet.firstPage(), vms), "–", fleet.firstPage().latencies().text());
    row(listing(fleet.wholePage(), vms), "–", fleet.wholePage().latencies().text());
    row(vms + " DeleteVm from " + fleet.clients() + " clients: all answered after, failures", "–",
        String.format(Locale.ROOT, "%.1f s, %d failures", fleet.deleted().seconds(), fleet.deleted().failures().size()));
    row("failures one at a time; QEMUs left at the end", dev.failures() + "; " + dev.qemusLeft(),
        cluster.failures() + "; " + (cluster.qemusLeft() + fleet.qemusLeft()));
  }

  private static String listing(Listing listing, int vms) {
    return "ListVms, page size " + listing.pageSize() + " (" + listing.listed() + " of " + vms + " VMs in the page), p50 / p95";
  }

  private static String spread(Map<String, Integer> placed, Map<String, Integer> qemus) {
    return qemus.keySet().stream().map(host -> host + " " + placed.getOrDefault(host, 0) + " / " + qemus.get(host))
        .collect(Collectors.joining(", "));
  }

  private static void row(String figure, String dev, String cluster) {
    System.out.println("| " + String.join(" | ", List.of(figure, dev, cluster)) + " |");
  }
}
