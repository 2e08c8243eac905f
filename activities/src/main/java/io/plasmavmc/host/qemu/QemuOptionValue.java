package io.plasmavmc.host.qemu;

import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;

/**
 * Escapes a value placed inside a QEMU option list ({@code key=value,key=value}). QEMU's option
 * parser ends a value at a comma unless the comma is doubled; control characters have no place in
 * any value and are refused, so nothing a client sends can add an option of its own.
 */
public final class QemuOptionValue {
  private QemuOptionValue() {}

  public static String escape(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw new InvalidSpecException(field, "must not be empty");
    }
    if (VmSpec.hasControlCharacter(value)) {
      throw new InvalidSpecException(field, "must not contain control characters such as newlines");
    }
    return value.replace(",", ",,");
  }
}
