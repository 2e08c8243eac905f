package io.plasmavmc.cli;

import java.nio.file.Path;

/**
 * Where tools/guest/build.sh puts the test guest: the system property {@code plasmavmc.guest.dir}
 * (the tests' setting), else {@code $PLASMAVMC_GUEST_DIR}, else for root
 * {@code /var/cache/plasmavmc/guest} (QEMU runs as its own user then, and must be able to read
 * it: root's home is closed to it), else {@code ~/.cache/plasmavmc/guest}.
 */
public final class GuestImages {
  private GuestImages() {}

  public static Path dir() {
    for (String configured : new String[] {System.getProperty("plasmavmc.guest.dir"), System.getenv("PLASMAVMC_GUEST_DIR")}) {
      if (configured != null && !configured.isBlank()) {
        return Path.of(configured);
      }
    }
    return "root".equals(System.getProperty("user.name"))
        ? Path.of("/var/cache/plasmavmc/guest")
        : Path.of(System.getProperty("user.home"), ".cache", "plasmavmc", "guest");
  }
}
