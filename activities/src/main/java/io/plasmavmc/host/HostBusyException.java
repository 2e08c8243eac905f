package io.plasmavmc.host;

/**
 * The host had no spawn slot free for the VM before the spawn's deadline ({@link SpawnSlots}):
 * nothing was started, a later try may find one. Leaves the host as HOST_BUSY.
 */
public class HostBusyException extends RuntimeException {
  public HostBusyException(String message) {
    super(message);
  }
}
