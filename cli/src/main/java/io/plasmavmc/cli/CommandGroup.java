package io.plasmavmc.cli;

import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;

/**
 * A command whose work is done by its subcommands, as {@code vmctl image list}: a resource's
 * commands read as one word and its verbs. Alone, it shows its usage and exits as a bad command
 * line does.
 */
final class CommandGroup implements Subcommand {
  private final CommandSpec spec;
  private final VmctlCommand vmctl;

  CommandGroup(VmctlCommand vmctl, String... description) {
    this.vmctl = vmctl;
    this.spec = Args.command(this, description);
    spec.usageMessage().synopsisSubcommandLabel("COMMAND");
  }

  CommandGroup add(String name, Function<VmctlCommand, Subcommand> command) {
    spec.addSubcommand(name, command.apply(vmctl).spec());
    return this;
  }

  @Override
  public CommandSpec spec() {
    return spec;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(vmctl.out);
    return ExitCode.USAGE.code();
  }
}
