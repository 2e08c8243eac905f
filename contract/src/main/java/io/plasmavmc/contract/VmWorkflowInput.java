package io.plasmavmc.contract;

import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.spec.VmSpec;
import java.time.Duration;

/**
 * What a VM's workflow starts with. {@code carried} is the VM's record when the workflow continues
 * as new; null on the first run. {@code hostTaskTimeout} bounds how long an operation waits for
 * the VM's host to pick up its work before it fails as host-unreachable. {@code hostId} is the
 * host the client named, or null: placement then chooses one by {@code placement} (null in
 * workflows started before placement existed, which always named their host).
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
    PlacementRequest placement) {

  public static final Duration DEFAULT_HOST_TASK_TIMEOUT = Duration.ofSeconds(15);

  public VmWorkflowInput {
    if (hostTaskTimeout == null || hostTaskTimeout.isZero() || hostTaskTimeout.isNegative()) {
      hostTaskTimeout = DEFAULT_HOST_TASK_TIMEOUT;
    }
  }

  public VmWorkflowInput(String vmId, String name, String requestId, VmSpec spec, String hostId, boolean startOnCreate,
      Duration hostTaskTimeout, VmRecord carried) {
    this(vmId, name, requestId, spec, hostId, startOnCreate, hostTaskTimeout, carried, null);
  }

  public VmWorkflowInput continuing(VmRecord record) {
    return new VmWorkflowInput(vmId, name, requestId, spec, hostId, startOnCreate, hostTaskTimeout, record, placement);
  }
}
