package io.plasmavmc.host.qmp;

/**
 * There is no monitor connection: it ended (QEMU exited, or the client was closed) before a reply
 * came, or QEMU's socket refused it.
 */
public class QmpConnectionClosedException extends QmpException {
  public QmpConnectionClosedException(String message) {
    super(message);
  }

  public QmpConnectionClosedException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean unreachable() {
    return true;
  }
}
