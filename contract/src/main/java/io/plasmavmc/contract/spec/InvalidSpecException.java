package io.plasmavmc.contract.spec;

/**
 * A VM spec (or an identifier) that PlasmaVMC refuses, naming the offending field. Never retried:
 * the same input fails the same way.
 */
public class InvalidSpecException extends RuntimeException {
  private final String field;

  public InvalidSpecException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
