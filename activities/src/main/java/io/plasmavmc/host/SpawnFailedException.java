package io.plasmavmc.host;

/**
 * QEMU could not be started. The message, which reaches clients, says so without host detail;
 * {@link #detail()} (what QEMU printed, paths) goes to the worker's log under {@link #errorId()},
 * which the message names.
 */
public class SpawnFailedException extends LoggedDetailException {
  public SpawnFailedException(String message, String detail) {
    this(message, detail, null);
  }

  public SpawnFailedException(String message, String detail, Throwable cause) {
    this(newErrorId(), message, detail, cause);
  }

  private SpawnFailedException(String errorId, String message, String detail, Throwable cause) {
    super(errorId, message, detail, cause);
  }

  /** The same failure with more detail for the log (what QEMU printed). */
  public SpawnFailedException withDetail(String more) {
    return new SpawnFailedException(errorId(), publicMessage(), detail() + (more == null || more.isEmpty() ? "" : "; " + more), getCause());
  }
}
