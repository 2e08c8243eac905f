package io.plasmavmc.contract.spec;

import java.util.List;

/**
 * A command run inside the guest by its agent (guest-exec): a program path and its arguments, no
 * shell in between, the exit code it should end with, and how long it may take.
 */
public record GuestCommand(String path, List<String> args, int expectedExitCode, int timeoutSeconds) {
  public static final int DEFAULT_TIMEOUT_SECONDS = 30;
  public static final int MAX_TIMEOUT_SECONDS = 600;

  public GuestCommand {
    args = args == null ? List.of() : List.copyOf(args);
    if (timeoutSeconds <= 0) {
      timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
    }
  }

  /** The command as a person would type it, for reports. */
  public String display() {
    return args.isEmpty() ? path : path + " " + String.join(" ", args);
  }
}
