package io.plasmavmc.workflow;

import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.StateChange;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmSearchAttributes;
import io.temporal.workflow.Workflow;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What others see of a VM without asking its workflow: the Temporal UI lists VMs by the search
 * attributes (name, state, host), shows the memo and the current details (snapshots and why the VM
 * is on its host included), and WatchVm reads the latest state changes.
 */
final class VmPublisher {
  /** State changes kept for watchers; one that fell behind further reads the VM as it is. */
  private static final int KEPT_CHANGES = 100;

  private final ArrayDeque<StateChange> changes = new ArrayDeque<>();

  void publish(VmRecord vm) {
    recordChange(vm);
    String shown = shownState(vm);
    String host = vm.hostId() == null ? "" : vm.hostId(); // none until placement chose one
    Workflow.upsertTypedSearchAttributes(
        VmSearchAttributes.NAME.valueSet(vm.name()),
        VmSearchAttributes.STATE.valueSet(shown),
        VmSearchAttributes.HOST.valueSet(host));
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("state", shown);
    memo.put("reason", vm.stateReason() == null ? "" : vm.stateReason());
    memo.put("pid", vm.pid());
    memo.put("snapshots", vm.snapshots().stream().map(Snapshot::name).toList());
    if (vm.placement() != null) {
      memo.put("placement", vm.placement());
    }
    Workflow.upsertMemo(memo);
    Workflow.setCurrentDetails("**" + vm.name() + "** " + (host.isEmpty() ? "(its host not chosen yet)" : "on host `" + host + "`")
        + ": " + shown
        + (vm.hostUnreachableSince() != null ? ", last seen " + vm.state() : "")
        + (vm.stateReason() == null ? "" : " (" + vm.stateReason() + ")")
        + (vm.snapshots().isEmpty() ? "" : vm.snapshots().stream().map(snapshot -> "- " + shown(snapshot))
            .collect(Collectors.joining("\n", "\n\nsnapshots, oldest first:\n", "")))
        + (vm.placement() == null || vm.placement().isEmpty() ? "" : "\n\nplacement: " + vm.placement()));
  }

  /** A snapshot as operators read it: its name, what it holds, when it was taken. */
  static String shown(Snapshot snapshot) {
    return snapshot.name() + ": " + (snapshot.withMemory()
        ? "RAM (" + snapshot.vmStateBytes() / (1024 * 1024) + " MiB of guest state) and disks"
        : "disks only") + ", taken " + snapshot.createdAt();
  }

  /** The kept state changes numbered after {@code seq}. */
  List<StateChange> changesAfter(long seq) {
    return changes.stream().filter(change -> change.seq() > seq).toList();
  }

  private void recordChange(VmRecord vm) {
    if (changes.isEmpty() || changes.peekLast().seq() != vm.stateSeq()) {
      changes.addLast(new StateChange(vm.stateSeq(), vm.state(), vm.stateReason(), vm.stateChangedAt(), vm.hostUnreachableSince() != null));
      while (changes.size() > KEPT_CHANGES) {
        changes.removeFirst();
      }
    }
  }

  /** The state as operators see it: the host's silence is shown, not hidden. */
  private static String shownState(VmRecord vm) {
    return vm.hostUnreachableSince() != null ? "HOST_UNREACHABLE" : vm.state().name();
  }
}
