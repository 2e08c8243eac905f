package io.plasmavmc.cli;

import io.plasmavmc.api.v1.GuestCommand;
import java.util.Arrays;

/** test --exec "PATH ARG...[=EXIT_CODE]": split at spaces, "=N" at the end for the exit code expected (default 0). */
final class GuestCommandOption {
  private GuestCommandOption() {}

  static GuestCommand parse(String text) {
    int eq = text.lastIndexOf('=');
    int expected = 0;
    String command = text;
    if (eq > 0 && text.substring(eq + 1).matches("-?\\d+")) {
      expected = Integer.parseInt(text.substring(eq + 1));
      command = text.substring(0, eq);
    }
    String[] words = command.trim().split("\\s+");
    if (words.length == 0 || words[0].isEmpty()) {
      throw new IllegalArgumentException("--exec \"PATH [ARG...][=EXIT_CODE]\", not " + text);
    }
    return GuestCommand.newBuilder().setPath(words[0]).addAllArgs(Arrays.asList(words).subList(1, words.length))
        .setExpectedExitCode(expected).build();
  }
}
