package io.plasmavmc.workflow;

import io.plasmavmc.contract.HostScanWorkflow;
import io.plasmavmc.contract.host.HostActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;

public class HostScanWorkflowImpl implements HostScanWorkflow {
  @Override
  public Map<String, Long> scan(String hostId, Duration hostTaskTimeout) {
    HostActivities host = Workflow.newActivityStub(HostActivities.class,
        HostActivityOptions.quick(hostId, hostTaskTimeout, "list the QEMU processes of host " + hostId));
    try {
      return host.runningQemus();
    } catch (ActivityFailure failure) {
      throw VmFailures.fromActivity(failure, hostId);
    }
  }
}
