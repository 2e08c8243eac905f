package io.plasmavmc.host;

/** Cleanup refuses to remove the runtime directory of a VM whose QEMU still runs. */
public class VmStillRunningException extends RuntimeException {
  public VmStillRunningException(String vmId, long pid) {
    super("VM " + vmId + " still runs as QEMU pid " + pid + "; kill it before cleaning up");
  }
}
