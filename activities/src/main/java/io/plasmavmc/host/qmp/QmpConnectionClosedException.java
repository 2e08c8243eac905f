package io.plasmavmc.host.qmp;

/** The monitor connection ended (QEMU exited, or the client was closed) before a reply came. */
public class QmpConnectionClosedException extends QmpException {
  public QmpConnectionClosedException(String message) {
    super(message);
  }

  public QmpConnectionClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
