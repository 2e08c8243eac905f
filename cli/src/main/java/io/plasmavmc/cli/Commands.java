package io.plasmavmc.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * vmctl's commands by name, in the order its help lists them. vmctl runs one command a process, so
 * only that command's model is built: picocli builds a command's model by reflection, a cost a
 * cold JVM pays for every command it adds.
 */
final class Commands {
  private static final String COMPLETION = "completion";

  private final Map<String, Supplier<Object>> byName = new LinkedHashMap<>();

  Commands() {
    VmLifecycleCommands.addTo(this);
    VmViewCommands.addTo(this);
    LifecycleTestCommands.addTo(this);
    add(COMPLETION, CompletionCommand::new);
  }

  /** A command: an annotated object, or the CommandLine of one. */
  void add(String name, Supplier<Object> command) {
    byName.put(name, command);
  }

  /** The command the arguments name; all of them when they name none (for the help) or when completion needs them all. */
  void addTo(CommandLine vmctl, String[] args) {
    String invoked = invoked(vmctl.getCommandSpec(), args);
    byName.forEach((name, command) -> {
      if (invoked == null || invoked.equals(COMPLETION) || invoked.equals(name)) {
        vmctl.addSubcommand(name, command.get());
      }
    });
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
