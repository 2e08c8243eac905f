package io.plasmavmc.host;

/** What stays while a VM's QEMU runs (its runtime directory, its own disks) is not removed. */
public class VmStillRunningException extends RuntimeException {
  public VmStillRunningException(String vmId, long pid) {
    super("VM " + vmId + " still runs as QEMU pid " + pid + "; kill it first");
  }
}
