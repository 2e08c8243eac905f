package io.plasmavmc.contract;

import io.plasmavmc.contract.spec.VmSpec;
import java.time.Duration;

/**
 * What a VM's workflow starts with. {@code carried} is the VM's record when the workflow continues
 * as new; null on the first run. {@code hostTaskTimeout} bounds how long an operation waits for
 * the VM's host to pick up its work before it fails as host-unreachable.
 */
public record VmWorkflowInput(
    String vmId,
    String name,
    String requestId,
    VmSpec spec,
    String hostId,
    boolean startOnCreate,
    Duration hostTaskTimeout,
    VmRecord carried) {

  public static final Duration DEFAULT_HOST_TASK_TIMEOUT = Duration.ofSeconds(15);

  public VmWorkflowInput {
    if (hostTaskTimeout == null || hostTaskTimeout.isZero() || hostTaskTimeout.isNegative()) {
      hostTaskTimeout = DEFAULT_HOST_TASK_TIMEOUT;
    }
  }

  public VmWorkflowInput continuing(VmRecord record) {
    return new VmWorkflowInput(vmId, name, requestId, spec, hostId, startOnCreate, hostTaskTimeout, record);
  }
}
