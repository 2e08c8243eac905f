package io.plasmavmc.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A console block of README.md as a session: each {@code $ } line a command, the lines below it
 * what the README shows it printing ({@code ...} for lines left out).
 */
final class ReadmeConsole {
  private static final Pattern DIGITS = Pattern.compile("\\d+");

  /** One command of the session: its words after the program, and the output the README shows. */
  record Step(String line, String program, List<String> args, List<String> shown) {
    String verb() {
      return args.stream().filter(arg -> !arg.startsWith("-")).findFirst().orElse("");
    }
  }

  private ReadmeConsole() {}

  static Path readme() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("launcher"))) {
        return dir.resolve("README.md");
      }
    }
    throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath());
  }

  /** The session of the first console block under the heading. */
  static List<Step> session(Path readme, String heading) throws IOException {
    List<String> lines = Files.readAllLines(readme);
    int at = lines.indexOf(heading);
    if (at < 0) {
      throw new IllegalStateException(readme + " has no heading '" + heading + "'");
    }
    while (!lines.get(at).equals("```console")) {
      at++;
    }
    List<Step> steps = new ArrayList<>();
    for (int i = at + 1; !lines.get(i).equals("```"); i++) {
      String line = lines.get(i);
      if (line.startsWith("$ ")) {
        List<String> words = words(line.substring(2));
        steps.add(new Step(line, words.get(0), words.subList(1, words.size()), new ArrayList<>()));
      } else if (!line.equals("...")) {
        steps.get(steps.size() - 1).shown().add(line);
      }
    }
    return steps;
  }

  /** A command line's words as a shell splits them: quotes kept together, an unquoted # starts a comment. */
  static List<String> words(String commandLine) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (char c : commandLine.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (Character.isWhitespace(c)) {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
      } else if (c == '#' && word == null) {
        break;
      } else {
        word = word == null ? new StringBuilder() : word;
        if (c == '\'' || c == '"') {
          quote = c;
        } else {
          word.append(c);
        }
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    return words;
  }

  /**
   * A line the README shows, as a pattern for the line a run prints: numbers (pids, milliseconds)
   * and the host the README's session ran on are free, and so are the widths of blanks.
   */
  static Pattern shownLine(String shown, String readmeHost) {
    StringBuilder pattern = new StringBuilder();
    for (String token : shown.strip().split("\\s+")) {
      pattern.append(pattern.length() == 0 ? "\\s*" : "\\s+");
      if (token.equals(readmeHost)) {
        pattern.append("\\S+");
        continue;
      }
      Matcher digits = DIGITS.matcher(token);
      int from = 0;
      while (digits.find()) {
        pattern.append(Pattern.quote(token.substring(from, digits.start()))).append("\\d+");
        from = digits.end();
      }
      pattern.append(Pattern.quote(token.substring(from)));
    }
    return Pattern.compile(pattern.append("\\s*").toString());
  }
}
