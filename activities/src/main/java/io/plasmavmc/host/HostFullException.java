package io.plasmavmc.host;

/** The host has no room for another VM under its limits ({@link HostLimits}); the message names the limit. */
public class HostFullException extends RuntimeException {
  public HostFullException(String message) {
    super(message);
  }
}
