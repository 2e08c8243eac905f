package io.plasmavmc.host.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Programs a test needs from the machine beyond what every test needs. A test whose program is
 * missing fails naming the Debian package that has it and the command that installs it, rather
 * than with an IOException from a process that could not start.
 */
public final class TestTools {
  private TestTools() {}

  /** {@code program}, which must be executable here; it comes in Debian's {@code debianPackage}. */
  public static Path require(String program, String debianPackage) {
    Path path = Path.of(program);
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException("this test needs " + program + " from Debian's package " + debianPackage
          + ", which is not installed: `./plasmavmc test` installs what the tests need (or `bash tools/install-deps.sh --test`)");
    }
    return path;
  }
}
