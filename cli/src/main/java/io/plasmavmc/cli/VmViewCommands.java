package io.plasmavmc.cli;

import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListOrphansRequest;
import io.plasmavmc.api.v1.ListOrphansResponse;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.ListVmsResponse;
import io.plasmavmc.api.v1.Orphan;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.api.v1.WatchVmRequest;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.OptionSpec;

/** vmctl's commands that only look: get, list, watch, console-log, orphans. */
final class VmViewCommands {
  /** The VM states of the API, as --state takes them: running, paused, host_unreachable, ... */
  private static final List<String> STATES = Arrays.stream(VmState.values())
      .filter(state -> state != VmState.VM_STATE_UNSPECIFIED && state != VmState.UNRECOGNIZED)
      .map(state -> state.name().replace("VM_STATE_", "").toLowerCase(Locale.ROOT))
      .toList();

  private VmViewCommands() {}

  static void addTo(Commands commands) {
    commands.add("get", vmctl -> VmCall.of(vmctl, "Shows a VM: its state and why, its host, its QEMU, its spec, its recent operations.",
        (vms, name) -> vms.getVm(GetVmRequest.newBuilder().setName(name).build())));
    commands.add("list", ListVms::new);
    commands.add("watch", Watch::new);
    commands.add("console-log", ConsoleLogTail::new);
    commands.add("orphans", Orphans::new);
  }

  static final class ListVms extends GatewayCommand {
    private final OptionSpec state = arg(Args.choice("--state", "STATE", STATES, "only VMs in this state: ${CHOICES}"));
    private final OptionSpec host = arg(Args.text("--host", "ID", "", "only VMs on this host"));
    private final OptionSpec pageSize = arg(Args.number("--page-size", "N", 100, "VMs asked for per call (default: 100)"));

    ListVms(VmctlCommand vmctl) {
      super(vmctl, "Lists the VMs, one line each.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      ListVmsRequest.Builder filter = ListVmsRequest.newBuilder().setHostId(host.getValue()).setPageSize(pageSize.getValue());
      String wanted = state.getValue();
      if (wanted != null) {
        filter.setState(state(wanted));
      }
      ListVmsResponse.Builder all = ListVmsResponse.newBuilder();
      String token = "";
      do {
        ListVmsResponse page = gateway.vms().listVms(filter.setPageToken(token).build());
        all.addAllVms(page.getVmsList());
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      if (json()) {
        printJson(all);
      } else {
        VmPrinter.table(out(), all.getVmsList());
      }
      return ExitCode.OK;
    }

    private static VmState state(String name) {
      try {
        return VmState.valueOf("VM_STATE_" + name.toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--state: no such state: " + name);
      }
    }
  }

  static final class Watch extends VmCommand {
    Watch(VmctlCommand vmctl) {
      super(vmctl, "Prints every state change of a VM with its reason and time, until the VM is deleted (Ctrl-C ends).");
    }

    @Override
    ExitCode run(Gateway gateway) {
      Iterator<VmEvent> events = gateway.vms().watchVm(WatchVmRequest.newBuilder().setName(name()).build());
      while (events.hasNext()) {
        VmEvent event = events.next();
        if (json()) {
          out().println(Json.of(event).replace("\n", " "));
        } else {
          VmPrinter.event(out(), event);
        }
        out().flush();
      }
      return ExitCode.OK;
    }
  }

  static final class ConsoleLogTail extends VmCommand {
    private final OptionSpec bytes = arg(Args.number("--bytes", "N", 0, "how much of its end (default: the gateway's, 64 KiB)"));

    ConsoleLogTail(VmctlCommand vmctl) {
      super(vmctl, "Prints the end of the guest's serial console.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      return print(gateway.vms().getConsoleLog(GetConsoleLogRequest.newBuilder().setName(name()).setMaxBytes(bytes.getValue()).build()));
    }
  }

  static final class Orphans extends GatewayCommand {
    private final OptionSpec host = arg(Args.text("--host", "ID", "", "the host (default: the gateway's)"));

    Orphans(VmctlCommand vmctl) {
      super(vmctl, "Lists the QEMU processes on a host that no VM owns (left running).");
    }

    @Override
    ExitCode run(Gateway gateway) {
      ListOrphansResponse found = gateway.vms().listOrphans(ListOrphansRequest.newBuilder().setHostId(host.getValue()).build());
      if (json()) {
        printJson(found);
      } else if (found.getOrphansCount() == 0) {
        out().printf("no orphan QEMU processes on host %s%n", found.getHostId());
      } else {
        out().printf("%-24s %-8s %s%n", "RUNTIME DIR", "PID", "HOST");
        for (Orphan orphan : found.getOrphansList()) {
          out().printf("%-24s %-8d %s%n", orphan.getVmId(), orphan.getQemuPid(), found.getHostId());
        }
        err().println("(no VM owns these; end one with kill PID, or start the worker with --orphans kill)");
      }
      return ExitCode.OK;
    }
  }
}
