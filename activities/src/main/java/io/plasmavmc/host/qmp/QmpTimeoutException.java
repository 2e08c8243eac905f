package io.plasmavmc.host.qmp;

import java.time.Duration;

/** QEMU did not answer a command in time; the monitor may be wedged. */
public class QmpTimeoutException extends QmpException {
  public QmpTimeoutException(String command, Duration timeout) {
    super("QMP " + command + " got no reply within " + timeout.toMillis() + " ms");
  }
}
