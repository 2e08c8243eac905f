package io.plasmavmc.gateway;

import io.grpc.StatusRuntimeException;
import java.util.regex.Pattern;

/** Checks of request fields that are not part of a VM spec; each failure names its field. */
final class Requests {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}");
  private static final Pattern REQUEST_ID = Pattern.compile("[\\x21-\\x7e]{1,128}");

  private Requests() {}

  static String name(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw invalid(field, "is required");
    }
    if (!NAME.matcher(value).matches()) {
      throw invalid(field, "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return value;
  }

  static String requestId(String value) {
    if (value.isEmpty()) {
      return value;
    }
    if (!REQUEST_ID.matcher(value).matches()) {
      throw invalid("request_id", "must be 1-128 printable ASCII characters without spaces");
    }
    return value;
  }

  /** A byte count of a read ({@code max_bytes}): 0 takes {@code fallback}, more than {@code max} is refused naming the field. */
  static int maxBytes(String field, int uint32, int fallback, int max) {
    int bytes = SpecMapping.unsigned(uint32);
    if (bytes > max) {
      throw invalid(field, "must be at most " + max);
    }
    return bytes == 0 ? fallback : bytes;
  }

  static StatusRuntimeException invalid(String field, String message) {
    return ErrorDetails.invalidField(field, message);
  }
}
