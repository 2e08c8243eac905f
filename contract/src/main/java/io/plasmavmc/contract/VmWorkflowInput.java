package io.plasmavmc.contract;

import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.spec.VmSpec;
import java.time.Duration;

/**
 * What a VM's workflow starts with. {@code carried} is the VM's record when the workflow continues
 * as new; null on the first run. {@code hostTaskTimeout} is how long a host activity waits in the
 * host's queue before the workflow looks again at the host: an unreachable one (its worker stopped
 * reporting) fails the operation, a busy one (it reports) is waited for up to the operation's
 * deadline (in workflows recorded before the busy-host-waits gate, any host that did not pick up
 * its work in time failed it as unreachable). {@code hostId} is the host the client named, or
 * null: placement then chooses one by {@code placement} (null in workflows started before
 * placement existed, which always named their host). {@code createTimeout} is how long the
 * creation may wait for a busy host: the creating call's own deadline, less a margin, when its
 * client set one (null: {@link #DEFAULT_BUSY_HOST_WAIT}, as every later operation).
 */
public record VmWorkflowInput(
    String vmId,
    String name,
    String requestId,
    VmSpec spec,
    String hostId,
    boolean startOnCreate,
    Duration hostTaskTimeout,
    VmRecord carried,
    PlacementRequest placement,
    Duration createTimeout) {

  public static final Duration DEFAULT_HOST_TASK_TIMEOUT = Duration.ofSeconds(15);
  /**
   * How long an operation waits for a host that reports but is too busy to take its work, before
   * it fails HOST_BUSY. Two minutes hold a burst of creates on a loaded 2-core host (measured
   * under issue 20) and are still an answer a caller waits for.
   */
  public static final Duration DEFAULT_BUSY_HOST_WAIT = Duration.ofMinutes(2);
  /** The longest a creation waits for a busy host, whatever the client's deadline: the VM's name is held meanwhile. */
  public static final Duration MAX_BUSY_HOST_WAIT = Duration.ofMinutes(10);

  public VmWorkflowInput {
    if (hostTaskTimeout == null || hostTaskTimeout.isZero() || hostTaskTimeout.isNegative()) {
      hostTaskTimeout = DEFAULT_HOST_TASK_TIMEOUT;
    }
    if (createTimeout != null && (createTimeout.isZero() || createTimeout.isNegative())) {
      createTimeout = null;
    }
  }

  public VmWorkflowInput(String vmId, String name, String requestId, VmSpec spec, String hostId, boolean startOnCreate,
      Duration hostTaskTimeout, VmRecord carried) {
    this(vmId, name, requestId, spec, hostId, startOnCreate, hostTaskTimeout, carried, null, null);
  }

  public VmWorkflowInput(String vmId, String name, String requestId, VmSpec spec, String hostId, boolean startOnCreate,
      Duration hostTaskTimeout, VmRecord carried, PlacementRequest placement) {
    this(vmId, name, requestId, spec, hostId, startOnCreate, hostTaskTimeout, carried, placement, null);
  }

  /** How long the creation waits for a busy host: its own timeout, within the bounds above. */
  public Duration creationWait() {
    if (createTimeout == null) {
      return DEFAULT_BUSY_HOST_WAIT;
    }
    return createTimeout.compareTo(MAX_BUSY_HOST_WAIT) > 0 ? MAX_BUSY_HOST_WAIT : createTimeout;
  }

  public VmWorkflowInput continuing(VmRecord record) {
    return new VmWorkflowInput(vmId, name, requestId, spec, hostId, startOnCreate, hostTaskTimeout, record, placement, createTimeout);
  }
}
