package io.plasmavmc.cli;

import com.google.protobuf.MessageOrBuilder;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.Vm;
import java.io.PrintStream;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A vmctl command that talks to the gateway: it gets a connection for its run and gives it back.
 * A failed call is not caught here: {@link Vmctl} turns its status into the message and exit code.
 * A command declares its options as fields, {@code arg(...)} each, in the order its help lists them.
 */
abstract class GatewayCommand implements Subcommand {
  final VmctlCommand vmctl;
  private final CommandSpec spec;

  GatewayCommand(VmctlCommand vmctl, String... description) {
    this.vmctl = vmctl;
    this.spec = Args.command(this, description);
  }

  /** Adds an option or a parameter to this command, and returns it to read its value from. */
  final <A extends ArgSpec> A arg(A arg) {
    return Args.add(spec, arg);
  }

  @Override
  public final CommandSpec spec() {
    return spec;
  }

  @Override
  public final Integer call() throws Exception {
    try (Gateway gateway = vmctl.connect()) {
      return run(gateway).code();
    }
  }

  abstract ExitCode run(Gateway gateway) throws Exception;

  PrintStream out() {
    return vmctl.out;
  }

  PrintStream err() {
    return vmctl.err;
  }

  boolean json() {
    return vmctl.json();
  }

  void printJson(MessageOrBuilder message) {
    out().println(Json.of(message));
  }

  /** The VM as JSON or as its details. */
  ExitCode print(Vm vm) {
    if (json()) {
      printJson(vm);
    } else {
      VmPrinter.details(out(), vm);
    }
    return ExitCode.OK;
  }

  /** The end of a console as JSON, or raw on stdout with how much of it that is on stderr. */
  ExitCode print(ConsoleLog log) {
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
