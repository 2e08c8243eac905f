package io.plasmavmc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.plasmavmc.api.v1.GuestCommand;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How vmctl test reads --exec: a program and its arguments split at spaces, "=N" for the exit code expected. */
class GuestCommandOptionTest {
  @Test
  void execTakesAProgramItsArgumentsAndAnExpectedExitCode() {
    GuestCommand plain = GuestCommandOption.parse("/bin/grep -q Linux /proc/version");
    assertEquals("/bin/grep", plain.getPath());
    assertEquals(List.of("-q", "Linux", "/proc/version"), plain.getArgsList());
    assertEquals(0, plain.getExpectedExitCode());

    GuestCommand failing = GuestCommandOption.parse("/bin/false=1");
    assertEquals("/bin/false", failing.getPath());
    assertEquals(List.of(), failing.getArgsList());
    assertEquals(1, failing.getExpectedExitCode());

    GuestCommand withEquals = GuestCommandOption.parse("/usr/bin/env A=b");
    assertEquals(List.of("A=b"), withEquals.getArgsList(), "only a number after the last '=' is an exit code");
    assertThrows(IllegalArgumentException.class, () -> GuestCommandOption.parse("  =3"));
  }
}
