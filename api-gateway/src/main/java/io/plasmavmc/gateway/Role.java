package io.plasmavmc.gateway;

import java.util.Locale;
import java.util.Optional;

/** What a caller may do: a viewer reads, an operator also runs lifecycle operations, an admin also calls host-level ones. */
public enum Role {
  VIEWER,
  OPERATOR,
  ADMIN;

  public boolean includes(Role required) {
    return ordinal() >= required.ordinal();
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Optional<Role> parse(String text) {
    for (Role role : values()) {
      if (role.label().equals(text == null ? "" : text.trim().toLowerCase(Locale.ROOT))) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
