package io.plasmavmc.host.qmp;

import io.plasmavmc.host.vmm.VmmException;

/** Base of every failure the QMP client reports: QEMU's failures as a VMM's. */
public class QmpException extends VmmException {
  public QmpException(String message) {
    super(message);
  }

  public QmpException(String message, Throwable cause) {
    super(message, cause);
  }
}
