package io.plasmavmc.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.host.testing.ScratchDirectories;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A dev server that dies at start is launched again; one that always dies fails the start, saying why. */
class TemporalDevServerStartTest {
  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("plasmavmc-devserver-start");
  }

  @AfterEach
  void tearDown() throws Exception {
    ScratchDirectories.delete(dir);
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** A stand-in for the CLI: panics (exit 2) on its first {@code failures} launches, then runs the real one. */
  private Path cli(int failures) throws Exception {
    Path real = TemporalCli.find().orElseThrow(() -> new IllegalStateException("no Temporal CLI: run tools/install-temporal.sh"));
    Path script = dir.resolve("temporal");
    Files.writeString(script, "#!/bin/sh\n"
        + "n=$(cat " + dir.resolve("launches") + " 2>/dev/null || echo 0); echo $((n + 1)) > " + dir.resolve("launches") + "\n"
        + "if [ \"$n\" -lt " + failures + " ]; then echo 'panic: listen tcp 127.0.0.1:1: bind: address already in use'; exit 2; fi\n"
        + "exec " + real + " \"$@\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  @Test
  void aServerThatDiesAtStartIsLaunchedAgain() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    try (TemporalDevServer server = TemporalDevServer.start(new TemporalDevServer.Settings(cli(1), freePort(), -1, data),
        Duration.ofSeconds(60))) {
      assertEquals("2", Files.readString(dir.resolve("launches")).strip());
    }
  }

  @Test
  void aServerThatAlwaysDiesFailsTheStartWithItsError() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TemporalDevServer.start(
        new TemporalDevServer.Settings(cli(100), freePort(), -1, data), Duration.ofSeconds(60)).close());
    assertTrue(e.getMessage().contains("before it was ready, 3 times"), e.getMessage());
    assertTrue(e.getMessage().contains("panic: listen tcp 127.0.0.1:1: bind: address already in use"), e.getMessage());
    assertEquals("3", Files.readString(dir.resolve("launches")).strip());
  }
}
