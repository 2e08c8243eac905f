package io.plasmavmc.contract.fleet;

import java.time.Instant;
import java.util.List;

/**
 * A drain of a host: cordoned, then each of its VMs moved away (stopped until live migration
 * exists, and listed in {@code handled} with what was done), {@code remaining} still to do.
 * {@code done} once none remains.
 */
public record DrainProgress(boolean done, int total, List<String> handled, List<String> remaining, Instant startedAt, Instant endedAt) {
  public DrainProgress {
    handled = handled == null ? List.of() : List.copyOf(handled);
    remaining = remaining == null ? List.of() : List.copyOf(remaining);
  }
}
