package io.plasmavmc.cli;

import io.plasmavmc.api.v1.ConsoleLog;
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
import java.util.Iterator;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** vmctl's commands that only look: get, list, watch, console-log, orphans. */
final class VmViewCommands {
  private VmViewCommands() {}

  static void addTo(Commands commands) {
    commands.add("get", () -> VmCall.command("Shows a VM: its state and why, its host, its QEMU, its spec, its recent operations.",
        (vms, name) -> vms.getVm(GetVmRequest.newBuilder().setName(name).build())));
    commands.add("list", ListVms::new);
    commands.add("watch", Watch::new);
    commands.add("console-log", ConsoleLogTail::new);
    commands.add("orphans", Orphans::new);
  }


  @Command(description = "Lists the VMs, one line each.")
  static final class ListVms extends GatewayCommand {
    @Option(names = "--state", paramLabel = "STATE", completionCandidates = Candidates.States.class,
        description = "only VMs in this state: ${COMPLETION-CANDIDATES}")
    String state;

    @Option(names = "--host", paramLabel = "ID", description = "only VMs on this host")
    String host = "";

    @Option(names = "--page-size", paramLabel = "N", description = "VMs asked for per call (default: 100)")
    int pageSize = 100;

    @Override
    ExitCode run(Gateway gateway) {
      ListVmsRequest.Builder filter = ListVmsRequest.newBuilder().setHostId(host).setPageSize(pageSize);
      if (state != null) {
        filter.setState(state(state));
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

  @Command(description = "Prints every state change of a VM with its reason and time, until the VM is deleted (Ctrl-C ends).")
  static final class Watch extends VmCommand {
    @Override
    ExitCode run(Gateway gateway) {
      Iterator<VmEvent> events = gateway.vms().watchVm(WatchVmRequest.newBuilder().setName(name).build());
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

  @Command(description = "Prints the end of the guest's serial console.")
  static final class ConsoleLogTail extends VmCommand {
    @Option(names = "--bytes", paramLabel = "N", description = "how much of its end (default: the gateway's, 64 KiB)")
    int bytes;

    @Override
    ExitCode run(Gateway gateway) {
      ConsoleLog log = gateway.vms().getConsoleLog(GetConsoleLogRequest.newBuilder().setName(name).setMaxBytes(bytes).build());
      if (json()) {
        printJson(log);
        return ExitCode.OK;
      }
      out().write(log.getData().toByteArray(), 0, log.getData().size());
      out().flush();
      if (log.getTruncated()) {
        err().printf("(last %d of %d bytes)%n", log.getData().size(), log.getTotalBytes());
      }
      return ExitCode.OK;
    }
  }

  @Command(description = "Lists the QEMU processes on a host that no VM owns (left running).")
  static final class Orphans extends GatewayCommand {
    @Option(names = "--host", paramLabel = "ID", description = "the host (default: the gateway's)")
    String host = "";

    @Override
    ExitCode run(Gateway gateway) {
      ListOrphansResponse found = gateway.vms().listOrphans(ListOrphansRequest.newBuilder().setHostId(host).build());
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
