package io.plasmavmc.contract.fleet;

import io.plasmavmc.contract.OperationRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A host as its workflow knows it: what it is ({@code info}, null until its worker registered),
 * what it last reported ({@code load}, when: {@code lastReportAt}), the room its VMs hold
 * ({@code reservations} by VM id), whether it takes new VMs ({@code cordoned}, why), whether it is
 * reachable (a host whose worker stopped reporting is not), and its last drain.
 */
public record HostRecord(String hostId, HostInfo info, HostLoad load, Instant lastReportAt, boolean reachable,
    Map<String, Reservation> reservations, boolean cordoned, String cordonReason, DrainProgress drain,
    List<OperationRecord> recentOperations) {
  public HostRecord {
    reservations = reservations == null ? Map.of() : Map.copyOf(reservations);
    recentOperations = recentOperations == null ? List.of() : List.copyOf(recentOperations);
  }
}
