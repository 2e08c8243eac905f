package io.plasmavmc.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Prints vmctl's bash completion script, made by picocli from the commands and options themselves. */
@Command(header = "Prints a bash (and zsh) completion script for vmctl.",
    description = {"Prints a bash (and zsh) completion script for vmctl: source <(./vmctl completion), or save it as",
        "~/.local/share/bash-completion/completions/vmctl."})
final class CompletionCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    CommandSpec root = spec.root();
    root.commandLine().getOut().print(AutoComplete.bash(root.name(), root.commandLine()));
    root.commandLine().getOut().flush();
    return ExitCode.OK.code();
  }
}
