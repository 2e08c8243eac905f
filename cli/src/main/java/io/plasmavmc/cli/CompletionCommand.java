package io.plasmavmc.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Prints vmctl's bash completion script, made by picocli from the commands and options themselves. */
final class CompletionCommand implements Subcommand {
  private final CommandSpec spec = Args.command(this,
      "Prints a bash (and zsh) completion script for vmctl: source <(./vmctl completion), or save it as",
      "~/.local/share/bash-completion/completions/vmctl.");

  CompletionCommand() {
    spec.usageMessage().header("Prints a bash (and zsh) completion script for vmctl.");
  }

  @Override
  public CommandSpec spec() {
    return spec;
  }

  @Override
  public Integer call() {
    CommandLine vmctl = spec.root().commandLine();
    vmctl.getOut().print(AutoComplete.bash(vmctl.getCommandName(), vmctl));
    vmctl.getOut().flush();
    return ExitCode.OK.code();
  }
}
