package io.plasmavmc.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ScopeType;

/**
 * The pieces of vmctl's picocli model, built in code. picocli can read a model from annotations,
 * but reading them costs a JVM that runs a single command most of its start (a proxy class for
 * every annotation type, reflection over every field); a model built in code is ready at once.
 * Each option holds the value parsed for it: {@code option.getValue()}.
 */
final class Args {
  private Args() {}

  /** A command that runs {@code run}, with the description its help shows. */
  static CommandSpec command(Callable<Integer> run, String... description) {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(run);
    spec.usageMessage().description(description);
    return spec;
  }

  /** Adds an option or a parameter to a command, and returns it to read its value from. */
  static <A extends ArgSpec> A add(CommandSpec command, A arg) {
    if (arg instanceof OptionSpec option) {
      command.addOption(option);
    } else {
      command.addPositional((PositionalParamSpec) arg);
    }
    return arg;
  }

  static OptionSpec flag(String name, String description) {
    return OptionSpec.builder(name).type(boolean.class).initialValue(false).description(description).build();
  }

  /** An option with a text value: null when not given. */
  static OptionSpec text(String name, String label, String description) {
    return text(name, label, null, description);
  }

  /** An option with a text value, {@code initial} when not given. */
  static OptionSpec text(String name, String label, String initial, String description) {
    return OptionSpec.builder(name).type(String.class).initialValue(initial).paramLabel(label).description(description).build();
  }

  /** An option that takes one of {@code choices}: shell completion offers them. */
  static OptionSpec choice(String name, String label, List<String> choices, String description) {
    return OptionSpec.builder(name).type(String.class).paramLabel(label).completionCandidates(choices)
        .description(description.replace("${CHOICES}", String.join(", ", choices))).build();
  }

  /** An option with a whole number, {@code initial} when not given. */
  static OptionSpec number(String name, String label, int initial, String description) {
    return OptionSpec.builder(name).type(int.class).initialValue(initial).paramLabel(label).description(description).build();
  }

  /** An option with a whole number: null when not given. */
  static OptionSpec optionalNumber(String name, String label, String description) {
    return OptionSpec.builder(name).type(Integer.class).paramLabel(label).description(description).build();
  }

  /** An option given any number of times. */
  static OptionSpec repeatable(String name, String label, String description) {
    return OptionSpec.builder(name).type(List.class).auxiliaryTypes(String.class).paramLabel(label).description(description).build();
  }

  /** The values of a repeatable option, none when it was not given. */
  static List<String> values(OptionSpec repeatable) {
    List<String> values = repeatable.getValue();
    return values == null ? List.of() : values;
  }

  /** An option of the top command that every command takes too, before or after its name. */
  static OptionSpec everywhere(OptionSpec option) {
    return option.toBuilder().scopeType(ScopeType.INHERIT).build();
  }

  /** A required word after the command: a VM's name, a run's id. */
  static PositionalParamSpec word(String label, String description) {
    return PositionalParamSpec.builder().type(String.class).arity("1").required(true).paramLabel(label).description(description).build();
  }
}
