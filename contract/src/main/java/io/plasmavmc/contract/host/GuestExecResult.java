package io.plasmavmc.contract.host;

import io.plasmavmc.contract.spec.GuestCommand;

/**
 * How a {@link GuestCommand} ended in the guest: its exit code (or that it did not end in time, or
 * that no agent answered), and the ends of its output (each at most a few KiB).
 */
public record GuestExecResult(Outcome outcome, int exitCode, String stdout, String stderr) {
  public enum Outcome { EXITED, TIMED_OUT, NO_AGENT }

  public static GuestExecResult noAgent(String why) {
    return new GuestExecResult(Outcome.NO_AGENT, -1, "", why);
  }
}
