package io.plasmavmc.contract.spec;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

/**
 * How PlasmaVMC tells that a running guest is ready, within {@code timeoutSeconds} of its boot:
 * {@code serialPattern}, a regular expression (RE2 syntax, matched in linear time) searched in
 * every line the guest writes to its serial console, or {@code guestAgent}: the QEMU guest agent
 * answers on its virtio-serial channel.
 */
public record ReadinessProbe(String serialPattern, int timeoutSeconds, boolean guestAgent) {
  public static final int DEFAULT_TIMEOUT_SECONDS = 120;
  public static final int MAX_TIMEOUT_SECONDS = 3600;
  public static final int MAX_PATTERN_LENGTH = 1024;

  public ReadinessProbe(String serialPattern, int timeoutSeconds) {
    this(serialPattern, timeoutSeconds, false);
  }

  public static ReadinessProbe agent(int timeoutSeconds) {
    return new ReadinessProbe(null, timeoutSeconds, true);
  }

  /** Checks the probe; throws naming the bad field. */
  public ReadinessProbe validate() {
    if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT_SECONDS) {
      throw new InvalidSpecException("spec.readiness.timeout_seconds", "must be between 1 and " + MAX_TIMEOUT_SECONDS);
    }
    boolean pattern = serialPattern != null && !serialPattern.isEmpty();
    if (guestAgent) {
      if (pattern) {
        throw new InvalidSpecException("spec.readiness", "takes a serial pattern or the guest agent, not both");
      }
      return this;
    }
    if (!pattern) {
      throw new InvalidSpecException("spec.readiness.serial_pattern", "is required for a readiness probe (or set guest_agent)");
    }
    checkPattern("spec.readiness.serial_pattern", serialPattern);
    return this;
  }

  /**
   * Checks a pattern searched in console lines (a probe's, a lifecycle test's expectation): at most
   * {@link #MAX_PATTERN_LENGTH} characters of valid RE2; throws naming {@code field}.
   */
  public static void checkPattern(String field, String pattern) {
    if (pattern.length() > MAX_PATTERN_LENGTH) {
      throw new InvalidSpecException(field, "must be at most " + MAX_PATTERN_LENGTH + " characters");
    }
    try {
      Pattern.compile(pattern);
    } catch (PatternSyntaxException e) {
      throw new InvalidSpecException(field, "is not a valid RE2 regular expression: " + e.getDescription());
    }
  }

  /** How the probe reads in a state reason or an error. */
  public String describe() {
    return guestAgent ? "the guest agent (guest-sync)" : "serial pattern /" + serialPattern + "/";
  }
}
