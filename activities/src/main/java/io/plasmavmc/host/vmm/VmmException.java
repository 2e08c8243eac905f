package io.plasmavmc.host.vmm;

/**
 * A VMM's control channel failed: it did not answer in time, refused a command, or could not be
 * reached. Each VMM's failures extend this (QEMU's: {@code QmpException}).
 */
public class VmmException extends RuntimeException {
  public VmmException(String message) {
    super(message);
  }

  public VmmException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Whether the VMM could not be reached at all: its channel is closed or refuses connections.
   * The VMM may have exited, which the VM's handle then tells from /proc.
   */
  public boolean unreachable() {
    return false;
  }
}
