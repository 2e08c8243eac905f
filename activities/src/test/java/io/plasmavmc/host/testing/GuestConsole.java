package io.plasmavmc.host.testing;

import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.host.ConsoleWaits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Waits for a guest's console lines as the host's console watcher does: failing with the serial log when none comes in time. */
public final class GuestConsole implements AutoCloseable {
  private final ConsoleWaits waits = new ConsoleWaits(Duration.ofSeconds(1));
  private final Duration timeout;

  public GuestConsole(Duration timeout) {
    this.timeout = timeout;
  }

  /** The first line of {@code log} after byte {@code from} that matches {@code pattern} (RE2). */
  public ProbeResult await(Path log, String pattern, long from) throws Exception {
    ProbeResult result = waits.await(log, pattern, from, timeout, () -> true).get(timeout.toSeconds() + 10, TimeUnit.SECONDS);
    if (!result.ready()) {
      throw new AssertionError("no console line matching " + pattern + " within " + timeout.toSeconds() + " s; serial log:\n"
          + (Files.exists(log) ? Files.readString(log) : "(none)"));
    }
    return result;
  }

  @Override
  public void close() {
    waits.close();
  }
}
