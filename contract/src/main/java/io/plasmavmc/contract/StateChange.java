package io.plasmavmc.contract;

import java.time.Instant;

/**
 * One change of a VM's state, numbered by {@link VmRecord#stateSeq()}, for WatchVm. {@code
 * hostUnreachable}: the host stopped answering and {@code state} is the last one seen.
 */
public record StateChange(long seq, VmState state, String reason, Instant at, boolean hostUnreachable) {}
