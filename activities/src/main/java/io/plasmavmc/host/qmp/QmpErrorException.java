package io.plasmavmc.host.qmp;

/** QEMU answered a command with an error: QMP's error class (e.g. GenericError) and its description. */
public class QmpErrorException extends QmpException {
  private final String command;
  private final String errorClass;
  private final String description;

  public QmpErrorException(String command, String errorClass, String description) {
    super("QMP " + command + " failed: " + errorClass + ": " + description);
    this.command = command;
    this.errorClass = errorClass;
    this.description = description;
  }

  public String command() {
    return command;
  }

  public String errorClass() {
    return errorClass;
  }

  public String description() {
    return description;
  }
}
