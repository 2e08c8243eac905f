package io.plasmavmc.workflow;

import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostState;
import io.plasmavmc.contract.fleet.PlacementPolicy;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.workflow.HostRoom.Resource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Placement's choice among hosts, pure: the hosts a VM may go to (reachable, uncordoned, with
 * every label asked, with room for it), best first by the policy (SPREAD: the most memory left
 * after the VM; PACK: the least that still fits; ties by host id), and the words that explain a
 * choice or, when none fits, name the tightest resource: what excluded the most hosts.
 */
final class PlacementRanking {
  /** Why a host was passed over before its room was compared; resources come first when as many hosts were excluded by each. */
  enum Exclusion { MEMORY, VCPUS, VMS, LABELS, CORDONED, UNREACHABLE }

  private final PlacementRequest request;
  private final int vcpus;
  private final long memoryMib;
  private final List<HostRoom> ranked;
  /** Every host passed over, by id: a short note of why. */
  private final Map<String, String> passedOver = new TreeMap<>();
  private final Map<Exclusion, List<String>> excluded = new EnumMap<>(Exclusion.class);
  private final Map<String, HostRoom> rooms = new TreeMap<>();
  private final int hosts;

  private PlacementRanking(List<HostRecord> hosts, int vcpus, long memoryMib, PlacementRequest request) {
    this.request = request;
    this.vcpus = vcpus;
    this.memoryMib = memoryMib;
    this.hosts = hosts.size();
    List<HostRoom> fitting = new ArrayList<>();
    for (HostRecord host : hosts) {
      if (admissible(host)) {
        HostRoom room = HostRoom.of(host);
        rooms.put(host.hostId(), room);
        List<Resource> lacking = room.lacking(vcpus, memoryMib);
        if (lacking.isEmpty()) {
          fitting.add(room);
        } else {
          lacking.forEach(resource -> exclude(host.hostId(), Exclusion.valueOf(resource.name()), null));
          passedOver.put(host.hostId(), lacking.stream().map(resource -> room.free(resource) + " " + unit(resource) + " free")
              .collect(Collectors.joining(", ")));
        }
      }
    }
    Comparator<HostRoom> byMemoryLeft = Comparator.comparingLong(room -> room.memoryLeftAfter(memoryMib));
    ranked = fitting.stream()
        .sorted((request.policy() == PlacementPolicy.PACK ? byMemoryLeft : byMemoryLeft.reversed()).thenComparing(HostRoom::hostId))
        .toList();
  }

  static PlacementRanking rank(List<HostRecord> hosts, int vcpus, long memoryMib, PlacementRequest request) {
    return new PlacementRanking(hosts, vcpus, memoryMib, request);
  }

  /** Whether the host may take new VMs at all; if not, why is noted. */
  private boolean admissible(HostRecord host) {
    HostState state = HostState.of(host);
    if (state == HostState.UNREACHABLE) {
      exclude(host.hostId(), Exclusion.UNREACHABLE, host.info() == null ? "never registered" : "unreachable");
      return false;
    }
    if (state != HostState.READY) {
      exclude(host.hostId(), Exclusion.CORDONED, state.name().toLowerCase() + (host.cordonReason() == null || host.cordonReason().isBlank()
          ? "" : ": " + host.cordonReason()));
      return false;
    }
    List<String> missing = request.labels().entrySet().stream()
        .filter(label -> !label.getValue().equals(host.info().labels().get(label.getKey())))
        .map(label -> label.getKey() + "=" + label.getValue()).sorted().toList();
    if (!missing.isEmpty()) {
      exclude(host.hostId(), Exclusion.LABELS, "lacks " + String.join(", ", missing));
      return false;
    }
    return true;
  }

  private void exclude(String hostId, Exclusion why, String note) {
    excluded.computeIfAbsent(why, key -> new ArrayList<>()).add(hostId);
    if (note != null) {
      passedOver.put(hostId, note);
    }
  }

  /** The hosts to try, best first. */
  List<String> candidates() {
    return ranked.stream().map(HostRoom::hostId).toList();
  }

  /**
   * Why {@code chosen} (now holding the VM's room, {@code after} its reservation): the policy, the
   * chosen host's figures, and every other host passed over with why; {@code refusals} are the
   * reservations refused before, by a concurrent placement that took the room.
   */
  String chosen(String chosen, HostRoom after, List<String> refusals) {
    List<String> others = new ArrayList<>();
    boolean past = false;
    for (HostRoom room : ranked) {
      if (room.hostId().equals(chosen)) {
        past = true;
      } else if (past) {
        others.add(room.hostId() + " (" + room.memoryLeftAfter(memoryMib) + " MiB left)");
      }
    }
    passedOver.forEach((hostId, why) -> others.add(hostId + " (" + why + ")"));
    return policyWords() + ": host " + chosen + ", " + after.free(Resource.MEMORY) + " MiB of memory left after the VM ("
        + after.figures() + ")" + (others.isEmpty() ? "" : "; passed over: " + String.join(", ", others.stream().sorted().toList()))
        + refused(refusals);
  }

  /** NO_HOST_FITS's message: the tightest resource first, then every host and why it was passed over. */
  String noFit(List<String> refusals) {
    if (hosts == 0) {
      return "no host has registered: start a host worker";
    }
    Exclusion tightest = null;
    for (Exclusion why : Exclusion.values()) {
      if (excluded.containsKey(why) && (tightest == null || excluded.get(why).size() > excluded.get(tightest).size())) {
        tightest = why;
      }
    }
    String headline = tightest == null ? "no host has room left for the VM" : headline(tightest);
    String why = passedOver.entrySet().stream().map(entry -> entry.getKey() + " (" + entry.getValue() + ")").collect(Collectors.joining(", "));
    return headline + (why.isEmpty() ? "" : "; hosts passed over: " + why) + refused(refusals);
  }

  /**
   * The tightest resource (or condition) in words: "no host has 2048 MiB of memory free (most: h2,
   * 1536 MiB)" when it excluded every host, "no host fits; the tightest: ..., lacking on 2 of 3
   * hosts" when others were excluded otherwise.
   */
  private String headline(Exclusion tightest) {
    List<String> ids = excluded.get(tightest);
    boolean all = ids.size() == hosts;
    String share = ids.size() + " of " + hosts + " hosts";
    return switch (tightest) {
      case CORDONED -> all ? "every host is cordoned" : "no host fits; " + share + " are cordoned";
      case UNREACHABLE -> all ? "no host is reachable" : "no host fits; " + share + " are unreachable";
      case LABELS -> lacking(all, "the labels " + request.labels().entrySet().stream().map(label -> label.getKey() + "=" + label.getValue())
          .sorted().collect(Collectors.joining(", ")), share, "");
      case MEMORY, VCPUS, VMS -> {
        Resource resource = Resource.valueOf(tightest.name());
        HostRoom most = ids.stream().map(rooms::get)
            .max(Comparator.comparingLong((HostRoom room) -> room.free(resource)).thenComparing(HostRoom::hostId, Comparator.reverseOrder()))
            .orElseThrow();
        String mostNote = resource == Resource.VMS ? "" : " (most: " + most.hostId() + ", " + most.free(resource)
            + (resource == Resource.MEMORY ? " MiB)" : ")");
        String what = switch (resource) {
          case MEMORY -> memoryMib + " MiB of memory free";
          case VCPUS -> vcpus + " vCPUs free";
          case VMS -> "room for another VM under its max VMs";
        };
        yield lacking(all, what, share, mostNote);
      }
    };
  }

  private static String lacking(boolean all, String what, String share, String mostNote) {
    return (all ? "no host has " + what : "no host fits; the tightest: " + what + ", lacking on " + share) + mostNote;
  }

  private String policyWords() {
    return request.policy() == PlacementPolicy.PACK ? "pack (the least memory left that fits)" : "spread (the most memory left)";
  }

  private static String refused(List<String> refusals) {
    return refusals.isEmpty() ? "" : "; refused the reservation meanwhile: " + String.join("; ", refusals);
  }

  private static String unit(Resource resource) {
    return switch (resource) {
      case MEMORY -> "MiB of memory";
      case VCPUS -> "vCPUs";
      case VMS -> "VM slots";
    };
  }
}
