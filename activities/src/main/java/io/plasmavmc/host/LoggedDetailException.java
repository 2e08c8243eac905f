package io.plasmavmc.host;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A host failure whose message, which reaches clients, says what failed without host detail;
 * {@link #detail()} (paths, what a program printed) goes to the worker's log under
 * {@link #errorId()}, which the message names.
 */
public abstract class LoggedDetailException extends RuntimeException {
  private final String errorId;
  private final String detail;

  protected LoggedDetailException(String errorId, String message, String detail, Throwable cause) {
    super(message + " (error " + errorId + ": the host worker's log has the details)", cause);
    this.errorId = errorId;
    this.detail = detail;
  }

  protected static String newErrorId() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }

  public String errorId() {
    return errorId;
  }

  public String detail() {
    return detail;
  }

  /** The message as given, without the note of the error id. */
  protected String publicMessage() {
    String message = getMessage();
    return message.substring(0, message.lastIndexOf(" (error "));
  }
}
