package io.plasmavmc.host.qmp;

/** Base of every failure the QMP client reports. */
public class QmpException extends RuntimeException {
  public QmpException(String message) {
    super(message);
  }

  public QmpException(String message, Throwable cause) {
    super(message, cause);
  }
}
