package io.plasmavmc.contract;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Where work travels: workflows on one control queue, host work on each host's own queue. */
public final class TaskQueues {
  public static final String CONTROL = "plasmavmc-control";

  private TaskQueues() {}

  public static String host(String hostId) {
    return "plasmavmc-host-" + hostId;
  }

  /**
   * This machine's short host name: the id a worker takes when none is configured, and so the
   * host a gateway on the same machine sends new VMs to.
   */
  public static String localHostId() {
    try {
      String name = InetAddress.getLocalHost().getHostName();
      int dot = name.indexOf('.');
      return dot > 0 ? name.substring(0, dot) : name;
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  public static String workflowId(String vmId) {
    return "vm-" + vmId;
  }
}
