package io.plasmavmc.cli;

import io.plasmavmc.api.v1.CordonHostRequest;
import io.plasmavmc.api.v1.DrainHostRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostServiceGrpc.HostServiceBlockingStub;
import io.plasmavmc.api.v1.HostState;
import io.plasmavmc.api.v1.ListHostsRequest;
import io.plasmavmc.api.v1.UncordonHostRequest;
import java.time.Duration;
import java.util.function.BiFunction;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** vmctl host list|get|cordon|uncordon|drain: the fleet's hosts (the API's HostService). */
final class HostCommands {
  private HostCommands() {}

  static void addTo(Commands commands) {
    commands.add("host", vmctl -> new CommandGroup(vmctl,
        "The fleet's hosts: what each has and runs; taking one out of service (cordon) and emptying it (drain).",
        "Each host is a workflow, host-<id> in the Temporal UI, that its worker keeps informed.")
        .add("list", ListHosts::new)
        .add("get", HostCommands::get)
        .add("cordon", Cordon::new)
        .add("uncordon", HostCommands::uncordon)
        .add("drain", Drain::new));
  }

  private static HostCall get(VmctlCommand vmctl) {
    return new HostCall(vmctl, "Shows a host: its state and why, its capacity and usage, labels, VMs, its last drain.",
        (hosts, id) -> hosts.getHost(GetHostRequest.newBuilder().setId(id).build()));
  }

  private static HostCall uncordon(VmctlCommand vmctl) {
    return new HostCall(vmctl, "Uncordons a host: it takes new VMs again (operator role).",
        (hosts, id) -> hosts.uncordonHost(UncordonHostRequest.newBuilder().setId(id).build()));
  }

  /** A command about one host, named by its first word; it prints the host after. */
  abstract static class HostCommand extends GatewayCommand {
    private final PositionalParamSpec id = arg(Args.word("ID", "the host's id"));

    HostCommand(VmctlCommand vmctl, String... description) {
      super(vmctl, description);
    }

    String id() {
      return id.getValue();
    }

    HostPrinter printer() {
      return new HostPrinter(out(), err(), json());
    }
  }

  /** A host command that is one call. */
  static final class HostCall extends HostCommand {
    private final BiFunction<HostServiceBlockingStub, String, Host> call;

    HostCall(VmctlCommand vmctl, String description, BiFunction<HostServiceBlockingStub, String, Host> call) {
      super(vmctl, description);
      this.call = call;
    }

    @Override
    ExitCode run(Gateway gateway) {
      printer().details(call.apply(gateway.hosts(), id()));
      return ExitCode.OK;
    }
  }

  static final class ListHosts extends GatewayCommand {
    ListHosts(VmctlCommand vmctl) {
      super(vmctl, "Lists the hosts, one line each: state, VMs, vCPUs and memory committed of what each admits, free memory, last report.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      new HostPrinter(out(), err(), json()).table(gateway.hosts().listHosts(ListHostsRequest.getDefaultInstance()));
      return ExitCode.OK;
    }
  }

  static final class Cordon extends HostCommand {
    private final OptionSpec reason = arg(Args.text("--reason", "TEXT", "",
        "why, for whoever looks (at most 256 characters; default: who cordoned it)"));

    Cordon(VmctlCommand vmctl) {
      super(vmctl, "Cordons a host: it takes no new VMs; those it runs stay (operator role).");
    }

    @Override
    ExitCode run(Gateway gateway) {
      printer().details(gateway.hosts().cordonHost(CordonHostRequest.newBuilder().setId(id()).setReason(reason.getValue()).build()));
      return ExitCode.OK;
    }
  }

  static final class Drain extends HostCommand {
    private static final Duration POLL = Duration.ofMillis(500);

    private final OptionSpec watch = arg(Args.flag("--watch", "show its progress until every VM is handled"));

    Drain(VmctlCommand vmctl) {
      super(vmctl, "Drains a host: cordons it, then migrates its VMs away, stopping those that cannot migrate (admin role).",
          "The drain goes on without vmctl; vmctl host get ID follows it.");
      spec().usageMessage().header("Drains a host: cordons it, then moves its VMs away (admin role).");
    }

    @Override
    ExitCode run(Gateway gateway) throws InterruptedException {
      HostServiceBlockingStub hosts = gateway.hosts();
      Host now = hosts.drainHost(DrainHostRequest.newBuilder().setId(id()).build());
      HostPrinter printer = printer();
      if (watch.<Boolean>getValue()) {
        while (now.getState() == HostState.HOST_STATE_DRAINING || (now.hasDrain() && !now.getDrain().getDone())) {
          printer.progress(now);
          Thread.sleep(POLL.toMillis()); // the API has no stream of a drain's progress: poll it
          now = hosts.getHost(GetHostRequest.newBuilder().setId(id()).build());
        }
      }
      printer.details(now);
      return ExitCode.OK;
    }
  }
}
