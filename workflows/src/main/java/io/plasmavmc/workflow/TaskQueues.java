package io.plasmavmc.workflow;

/** Where work travels: workflows on one control queue, host work on each host's own queue. */
public final class TaskQueues {
  public static final String CONTROL = "plasmavmc-control";

  private TaskQueues() {}

  public static String host(String hostId) {
    return "plasmavmc-host-" + hostId;
  }

  public static String workflowId(String vmId) {
    return "vm-" + vmId;
  }
}
