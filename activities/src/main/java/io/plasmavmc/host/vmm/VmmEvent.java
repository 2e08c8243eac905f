package io.plasmavmc.host.vmm;

import io.plasmavmc.contract.host.VmStatus;
import java.time.Instant;
import java.util.Set;

/**
 * Something a VMM reports of its guest without being asked, under the names VM workflows know
 * (QMP's: QEMU's events pass as they are). {@code announced} is the state the event itself
 * announces, for when the VMM exits before it can be asked (QEMU does right after SHUTDOWN unless
 * told otherwise); null for events that announce none.
 */
public record VmmEvent(String kind, String detail, Instant at, VmStatus announced) {
  public static final String SHUTDOWN = "SHUTDOWN";
  public static final String STOP = "STOP";
  public static final String RESUME = "RESUME";
  public static final String RESET = "RESET";
  public static final String GUEST_PANICKED = "GUEST_PANICKED";

  /** Every kind a VMM reports. */
  public static final Set<String> KINDS = Set.of(SHUTDOWN, STOP, RESUME, RESET, GUEST_PANICKED);
}
