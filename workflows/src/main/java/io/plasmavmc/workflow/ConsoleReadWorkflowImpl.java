package io.plasmavmc.workflow;

import io.plasmavmc.contract.ConsoleReadWorkflow;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.host.HostActivities;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;

public class ConsoleReadWorkflowImpl implements ConsoleReadWorkflow {
  @Override
  public ConsoleTail read(String hostId, String vmId, int maxBytes, Duration hostTaskTimeout) {
    HostActivities host = Workflow.newActivityStub(HostActivities.class,
        HostActivityOptions.quick(hostId, hostTaskTimeout, "read the serial console of VM " + vmId));
    try {
      return host.readConsole(vmId, maxBytes);
    } catch (ActivityFailure failure) {
      throw VmFailures.fromActivity(failure, hostId);
    }
  }
}
