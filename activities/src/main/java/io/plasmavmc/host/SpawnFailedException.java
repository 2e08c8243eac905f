package io.plasmavmc.host;

/** QEMU refused to start; the message carries what QEMU printed. */
public class SpawnFailedException extends RuntimeException {
  public SpawnFailedException(String message) {
    super(message);
  }

  public SpawnFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
