package io.plasmavmc.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The top of vmctl's command tree: the options every command takes, and where its output goes. */
final class VmctlCommand implements Callable<Integer> {
  final PrintStream out;
  final PrintStream err;
  /** Where the local stack's admin token lies. */
  final Path configDir;
  private final CommandSpec spec = Args.command(this,
      "The command-line client of a running PlasmaVMC (gRPC plasmavmc.v1.VmService), in the spirit of virsh.");
  private final OptionSpec json = Args.everywhere(Args.flag("--json", "print the gateway's answer as JSON"));
  private final GatewayOptions gateway = new GatewayOptions();

  VmctlCommand(PrintStream out, PrintStream err, Path configDir) {
    this.out = out;
    this.err = err;
    this.configDir = configDir;
    spec.name("vmctl").addOption(Args.everywhere(OptionSpec.builder("-h", "--help").usageHelp(true).description("show this help").build()));
    spec.addOption(json);
    gateway.addTo(spec);
    spec.usageMessage().synopsisSubcommandLabel("COMMAND").footer("",
        "Every call carries a token: --token-file FILE, $PLASMAVMC_TOKEN, or ~/.config/plasmavmc/admin.token (made by",
        "./plasmavmc up). Over TLS: --ca FILE ($PLASMAVMC_CA), and --cert FILE --key FILE for mutual TLS.",
        "Options go before or after the command: vmctl get demo --json is vmctl --json get demo.",
        "Bash completion: source <(vmctl completion).");
  }

  CommandSpec spec() {
    return spec;
  }

  /** No command: the usage, and the exit code of a bad command line. */
  @Override
  public Integer call() {
    spec.commandLine().usage(out);
    return ExitCode.USAGE.code();
  }

  boolean json() {
    return json.getValue();
  }

  String server() {
    return gateway.target();
  }

  Gateway connect() throws IOException {
    return gateway.connect(configDir);
  }
}
