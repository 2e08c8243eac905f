package io.plasmavmc.launcher;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A small command-line parser: {@code --name value}, {@code --flag}, and positional words. */
final class Options {
  private final List<String> words = new ArrayList<>();
  private final List<String[]> pairs = new ArrayList<>();
  private final Set<String> flags = new HashSet<>();
  private final Set<String> used = new HashSet<>();
  private final Set<String> booleanFlags;

  Options(String[] args, int from, String... booleanFlags) {
    this.booleanFlags = Set.of(booleanFlags);
    for (int i = from; i < args.length; i++) {
      String arg = args[i];
      if (arg.startsWith("--")) {
        int eq = arg.indexOf('=');
        if (eq > 0) {
          pairs.add(new String[] {arg.substring(0, eq), arg.substring(eq + 1)});
        } else if (this.booleanFlags.contains(arg)) {
          flags.add(arg);
        } else if (i + 1 < args.length) {
          pairs.add(new String[] {arg, args[++i]});
        } else {
          throw new IllegalArgumentException(arg + " needs a value");
        }
      } else {
        words.add(arg);
      }
    }
  }

  List<String> words() {
    return words;
  }

  boolean flag(String name) {
    used.add(name);
    return flags.contains(name);
  }

  String value(String name, String fallback) {
    used.add(name);
    String result = fallback;
    for (String[] pair : pairs) {
      if (pair[0].equals(name)) {
        result = pair[1];
      }
    }
    return result;
  }

  List<String> all(String name) {
    used.add(name);
    List<String> result = new ArrayList<>();
    for (String[] pair : pairs) {
      if (pair[0].equals(name)) {
        result.add(pair[1]);
      }
    }
    return result;
  }

  int integer(String name, int fallback) {
    String value = value(name, null);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number: " + value);
    }
  }

  void rejectUnknown() {
    for (String[] pair : pairs) {
      if (!used.contains(pair[0])) {
        throw new IllegalArgumentException("unknown option " + pair[0]);
      }
    }
    for (String flag : flags) {
      if (!used.contains(flag)) {
        throw new IllegalArgumentException("unknown option " + flag);
      }
    }
  }
}
