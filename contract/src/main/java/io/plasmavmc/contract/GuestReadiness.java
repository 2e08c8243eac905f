package io.plasmavmc.contract;

import java.time.Instant;

/**
 * Whether the guest of a running VM is ready, by its readiness probe: {@code WAITING} from the
 * boot until the probe matched ({@code READY}, {@code since} = when the host saw it) or its time
 * ran out ({@code NOT_READY}). A VM without a probe, or without a running QEMU, has none.
 */
public record GuestReadiness(Status status, String reason, Instant since) {
  public enum Status { WAITING, READY, NOT_READY }

  public boolean ready() {
    return status == Status.READY;
  }
}
