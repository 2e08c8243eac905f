package io.plasmavmc.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top of vmctl's command tree: the options every command takes, and the commands. */
@Command(name = "vmctl", synopsisSubcommandLabel = "COMMAND",
    description = "The command-line client of a running PlasmaVMC (gRPC plasmavmc.v1.VmService), in the spirit of virsh.",
    footer = {"",
        "Every call carries a token: --token-file FILE, $PLASMAVMC_TOKEN, or ~/.config/plasmavmc/admin.token (made by",
        "./plasmavmc up). Over TLS: --ca FILE ($PLASMAVMC_CA), and --cert FILE --key FILE for mutual TLS.",
        "Options go before or after the command: vmctl get demo --json is vmctl --json get demo.",
        "Bash completion: source <(vmctl completion)."})
final class VmctlCommand implements Callable<Integer> {
  @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "show this help")
  boolean help;

  @Option(names = "--json", scope = ScopeType.INHERIT, description = "print the gateway's answer as JSON")
  boolean json;

  @Mixin
  GatewayOptions gateway;

  @Spec
  CommandSpec spec;

  final PrintStream out;
  final PrintStream err;
  /** Where the local stack's admin token lies. */
  final Path configDir;

  VmctlCommand(PrintStream out, PrintStream err, Path configDir) {
    this.out = out;
    this.err = err;
    this.configDir = configDir;
  }

  /** No command: the usage, and the exit code of a bad command line. */
  @Override
  public Integer call() {
    spec.commandLine().usage(out);
    return ExitCode.USAGE.code();
  }

  Gateway connect() throws IOException {
    return gateway.connect(configDir);
  }

  /** The command tree for these arguments (see {@link Commands}). */
  static CommandLine tree(VmctlCommand vmctl, String[] args) {
    CommandLine tree = new CommandLine(vmctl);
    new Commands().addTo(tree, args);
    return tree;
  }

  /** A command made from a shared class, with the description of what it does here. */
  static CommandLine described(Object command, String description) {
    CommandLine commandLine = new CommandLine(command);
    commandLine.getCommandSpec().usageMessage().description(description);
    return commandLine;
  }
}
