package io.plasmavmc.workflow;

import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostSearchAttributes;
import io.plasmavmc.contract.fleet.HostState;
import io.temporal.workflow.Workflow;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the Temporal UI shows of a host without asking its workflow: the HostState search
 * attribute (so hosts list by state), a memo of what it is, and the current details with its
 * room and its drain. The search attribute and the memo are commands in the host's history, so
 * they are written only when what they show changes, not on every report; the details cost
 * nothing and follow every change.
 */
final class HostPublisher {
  private String shownState;
  private Map<String, Object> shownMemo;

  void publish(HostRecord host) {
    HostState state = HostState.of(host);
    if (!state.name().equals(shownState)) {
      shownState = state.name();
      Workflow.upsertTypedSearchAttributes(HostSearchAttributes.STATE.valueSet(shownState));
    }
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("state", state.name());
    memo.put("cordonReason", host.cordonReason() == null ? "" : host.cordonReason());
    memo.put("address", host.info() == null ? "" : host.info().address());
    memo.put("vcpus", host.info() == null ? 0 : host.info().vcpus());
    memo.put("memoryMib", host.info() == null ? 0L : host.info().memoryMib());
    if (!Objects.equals(memo, shownMemo)) {
      shownMemo = memo;
      Workflow.upsertMemo(memo);
    }
    Workflow.setCurrentDetails(details(host, state));
  }

  private static String details(HostRecord host, HostState state) {
    if (host.info() == null) {
      return "host **" + host.hostId() + "**: " + state + ", its worker has not registered";
    }
    StringBuilder details = new StringBuilder("host **").append(host.hostId()).append("** (").append(host.info().address()).append("): ")
        .append(state);
    if (host.cordoned()) {
      details.append(" (cordoned").append(host.cordonReason() == null || host.cordonReason().isBlank() ? "" : ": " + host.cordonReason())
          .append(')');
    }
    details.append("\n\n").append(host.reservations().size()).append(" VMs hold room: ").append(HostRoom.of(host).figures())
        .append("; last report ").append(host.lastReportAt());
    if (host.load() != null) {
      details.append(" (").append(host.load().vms()).append(" QEMUs, ").append(host.load().memoryFreeMib()).append(" MiB free)");
    }
    DrainProgress drain = host.drain();
    if (drain != null) {
      details.append("\n\ndrain ").append(drain.done() ? "done" : "running").append(", ").append(drain.handled().size()).append(" of ")
          .append(drain.total()).append(" VMs handled").append(lines(drain.handled())).append(drain.remaining().isEmpty() ? ""
              : "\n\nremaining: " + String.join(", ", drain.remaining()));
    }
    return details.toString();
  }

  private static String lines(List<String> items) {
    return items.isEmpty() ? "" : ":\n- " + String.join("\n- ", items);
  }
}
