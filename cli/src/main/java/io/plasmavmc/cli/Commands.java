package io.plasmavmc.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * vmctl's commands by name, in the order its help lists them. vmctl runs one command a process, so
 * only that command's model is made: a model costs a cold JVM a few milliseconds a command.
 */
final class Commands {
  private static final String COMPLETION = "completion";

  private final Map<String, Function<VmctlCommand, Subcommand>> byName = new LinkedHashMap<>();

  Commands() {
    VmLifecycleCommands.addTo(this);
    VmViewCommands.addTo(this);
    SnapshotCommands.addTo(this);
    ImageCommands.addTo(this);
    HostCommands.addTo(this);
    LifecycleTestCommands.addTo(this);
    add(COMPLETION, vmctl -> new CompletionCommand());
  }

  void add(String name, Function<VmctlCommand, Subcommand> command) {
    byName.put(name, command);
  }

  /** The command tree for these arguments: the command they name; all of them when they name none (for the help) or when completion needs them all. */
  CommandLine tree(VmctlCommand vmctl, String[] args) {
    CommandLine tree = new CommandLine(vmctl.spec());
    String invoked = invoked(vmctl.spec(), args);
    byName.forEach((name, command) -> {
      if (invoked == null || invoked.equals(COMPLETION) || invoked.equals(name)) {
        tree.addSubcommand(name, command.apply(vmctl).spec());
      }
    });
    return tree;
  }

  /** The first word that is not an option or an option's value, if it names a command. */
  private String invoked(CommandSpec vmctl, String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].startsWith("-")) {
        OptionSpec option = args[i].contains("=") ? null : vmctl.findOption(args[i]);
        if (option != null && option.arity().max() > 0) {
          i++;
        }
      } else {
        return byName.containsKey(args[i]) ? args[i] : null;
      }
    }
    return null;
  }
}
