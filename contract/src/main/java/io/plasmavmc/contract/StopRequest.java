package io.plasmavmc.contract;

/** A stop: graceful (power button, then forced after {@code timeoutSeconds}) unless {@code force}. */
public record StopRequest(int timeoutSeconds, boolean force) {
  public static final int DEFAULT_TIMEOUT_SECONDS = 60;

  public StopRequest {
    if (timeoutSeconds <= 0) {
      timeoutSeconds = DEFAULT_TIMEOUT_SECONDS;
    }
  }

  public static StopRequest graceful(int timeoutSeconds) {
    return new StopRequest(timeoutSeconds, false);
  }

  public static StopRequest forced() {
    return new StopRequest(DEFAULT_TIMEOUT_SECONDS, true);
  }
}
