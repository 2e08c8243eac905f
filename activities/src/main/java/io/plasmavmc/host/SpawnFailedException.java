package io.plasmavmc.host;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * QEMU could not be started. The message, which reaches clients, says so without host detail;
 * {@link #detail()} (what QEMU printed, paths) goes to the worker's log under {@link #errorId()},
 * which the message names.
 */
public class SpawnFailedException extends RuntimeException {
  private final String errorId;
  private final String detail;

  public SpawnFailedException(String message, String detail) {
    this(message, detail, null);
  }

  public SpawnFailedException(String message, String detail, Throwable cause) {
    this(HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), message, detail, cause);
  }

  private SpawnFailedException(String errorId, String message, String detail, Throwable cause) {
    super(message + " (error " + errorId + ": the host worker's log has the details)", cause);
    this.errorId = errorId;
    this.detail = detail;
  }

  public String errorId() {
    return errorId;
  }

  public String detail() {
    return detail;
  }

  /** The same failure with more detail for the log (what QEMU printed). */
  public SpawnFailedException withDetail(String more) {
    return new SpawnFailedException(errorId, publicMessage(), detail + (more == null || more.isEmpty() ? "" : "; " + more), getCause());
  }

  private String publicMessage() {
    String message = getMessage();
    return message.substring(0, message.lastIndexOf(" (error "));
  }
}
