package io.plasmavmc.host;

/** An operation that needs a live QEMU found none. Not retried: the VM has to be started first. */
public class VmNotRunningException extends RuntimeException {
  public VmNotRunningException(String vmId) {
    super("VM " + vmId + " has no running QEMU process");
  }
}
