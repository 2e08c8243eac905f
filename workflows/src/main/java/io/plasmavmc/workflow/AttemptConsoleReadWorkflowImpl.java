package io.plasmavmc.workflow;

import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.testrun.AttemptConsoleReadWorkflow;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/** Reads the console a lifecycle test attempt's host kept: its failures in the words of a VM's (a reason, the host named). */
public class AttemptConsoleReadWorkflowImpl implements AttemptConsoleReadWorkflow {
  @Override
  public ConsoleTail read(String hostId, String runId, String vmName, int maxBytes, Duration hostTaskTimeout) {
    HostActivities host = Workflow.newActivityStub(HostActivities.class,
        HostActivityOptions.quick(hostId, hostTaskTimeout, "read the kept console of " + vmName + " (lifecycle test " + runId + ")"));
    try {
      return host.readArchivedConsole(runId, vmName, maxBytes);
    } catch (ActivityFailure failure) {
      throw VmFailures.fromActivity(failure, hostId);
    }
  }
}
