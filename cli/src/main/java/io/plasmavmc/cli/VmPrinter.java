package io.plasmavmc.cli;

import com.google.protobuf.Timestamp;
import io.plasmavmc.api.v1.GuestReadiness;
import io.plasmavmc.api.v1.Operation;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/** How vmctl shows a VM, a list of VMs and a VM's events to a person. */
final class VmPrinter {
  private static final String LIST_FORMAT = "%-24s %-10s %-14s %-8s %-12s %s%n";

  private VmPrinter() {}

  static void details(PrintStream out, Vm vm) {
    out.printf("name:        %s%n", vm.getName());
    out.printf("state:       %s (%s)%n", label(vm.getState()), vm.getStateReason());
    if (vm.getState() == VmState.VM_STATE_HOST_UNREACHABLE) {
      out.printf("last known:  %s (host unreachable since %s)%n", label(vm.getLastKnownState()), instant(vm.getHostUnreachableSince()));
    }
    if (vm.getGuestReadiness() != GuestReadiness.GUEST_READINESS_UNSPECIFIED) {
      out.printf("guest:       %s%s%n", words(vm.getGuestReadiness().name().replace("GUEST_READINESS_", "")),
          vm.getGuestReady() ? " since " + instant(vm.getGuestReadyAt()) : "");
    }
    out.printf("host:        %s%n", vm.getHostId().isEmpty() ? "(being placed)" : vm.getHostId());
    if (!vm.getPlacementReason().isEmpty()) {
      out.printf("placement:   %s%n", vm.getPlacementReason());
    }
    out.printf("qemu:        %s%n", vm.getQemuPid() == 0 ? "not running" : "pid " + vm.getQemuPid() + ", run state " + vm.getQemuRunState());
    VmSpec spec = vm.getSpec();
    out.printf("spec:        %d vCPU, %d MiB, %s, %s%s%n", spec.getVcpus(), spec.getMemoryMib(), spec.getMachineType(),
        spec.getAccelerator().name().replace("ACCELERATOR_", "").toLowerCase(Locale.ROOT),
        spec.getKernel().isEmpty() ? "" : ", kernel " + spec.getKernel());
    StoragePrinter.details(out, vm);
    out.printf("created:     %s%n", instant(vm.getCreatedAt()));
    out.printf("state since: %s%n", instant(vm.getStateChangedAt()));
    if (vm.getRecentOperationsCount() > 0) {
      out.println("operations:");
      List<Operation> ops = vm.getRecentOperationsList();
      for (Operation op : ops.subList(Math.max(0, ops.size() - 5), ops.size())) {
        out.printf("  %s  %-7s %s%n", instant(op.getStartedAt()), op.getName(), op.getOutcome());
      }
    }
  }

  static void table(PrintStream out, List<Vm> vms) {
    out.printf(LIST_FORMAT, "NAME", "STATE", "HOST", "PID", "QEMU", "REASON");
    for (Vm vm : vms) {
      out.printf(LIST_FORMAT, vm.getName(), label(vm.getState()), vm.getHostId(), vm.getQemuPid() == 0 ? "-" : vm.getQemuPid(),
          vm.getQemuRunState().isEmpty() ? "-" : vm.getQemuRunState(), vm.getStateReason());
    }
  }

  static void event(PrintStream out, VmEvent event) {
    Vm vm = event.getVm();
    out.printf("%s  %-9s %s%s%n", instant(event.getAt()), label(event.getState()), event.getReason(),
        vm.getQemuPid() == 0 ? "" : "  [pid " + vm.getQemuPid() + ", " + vm.getQemuRunState() + "]");
  }

  static String label(VmState state) {
    return state.name().replace("VM_STATE_", "");
  }

  static String instant(Timestamp ts) {
    return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos()).toString();
  }

  /** An enum's name as words: NOT_READY is "not ready". */
  static String words(String enumName) {
    return enumName.toLowerCase(Locale.ROOT).replace('_', ' ');
  }
}
