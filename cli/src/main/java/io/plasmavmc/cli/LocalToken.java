package io.plasmavmc.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The local stack's admin token, which `./plasmavmc up` makes on its first start in the user's
 * config directory and vmctl sends when it is given no other.
 */
public final class LocalToken {
  private LocalToken() {}

  /** {@code $XDG_CONFIG_HOME/plasmavmc}, or {@code ~/.config/plasmavmc}. */
  public static Path defaultDir() {
    String xdg = System.getenv("XDG_CONFIG_HOME");
    return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config")).resolve("plasmavmc");
  }

  public static Path file(Path dir) {
    return dir.resolve("admin.token");
  }

  /** The token in {@code dir/admin.token}, if there is one. */
  public static Optional<String> read(Path dir) {
    try {
      return Optional.of(Files.readString(file(dir), StandardCharsets.UTF_8).strip()).filter(t -> !t.isEmpty());
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
