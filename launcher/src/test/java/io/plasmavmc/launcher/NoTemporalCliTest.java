package io.plasmavmc.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.host.testing.ScratchDirectories;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * `plasmavmc up` on a machine without Temporal's CLI refuses to start and says how to get it,
 * instead of running a server that would lose every VM at the next stop (as it once did, falling
 * back to Temporal's in-memory server without a word beyond a log line).
 */
class NoTemporalCliTest {
  @Test
  void upRefusesToStartWithoutTheCliAndSaysHowToGetIt() throws Exception {
    Path dir = Files.createTempDirectory("plasmavmc-no-cli");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-Dlogback.configurationFile=/dev/null", PlasmaVmc.class.getName(), "up",
        "--temporal-port", Integer.toString(port), "--grpc-port", "0", "--no-ui", "--data-dir", dir.resolve("data").toString(),
        "--config-dir", dir.resolve("config").toString(), "--runtime-dir", dir.resolve("run").toString()));
    ProcessBuilder up = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("out").toFile());
    // A machine without the CLI: nothing on PATH, no $PLASMAVMC_TEMPORAL, an empty cache.
    up.environment().remove("PLASMAVMC_TEMPORAL");
    up.environment().put("PATH", "/usr/bin:/bin");
    up.environment().put("PLASMAVMC_CACHE", Files.createDirectories(dir.resolve("cache")).toString());
    Process process = up.start();
    boolean ended = process.waitFor(120, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly();
    }
    String said = Files.readString(dir.resolve("out"));
    ScratchDirectories.delete(dir);
    assertTrue(ended, "plasmavmc up ends by itself: " + said);
    assertEquals(1, process.exitValue(), said);
    assertTrue(said.contains("cannot start: no Temporal CLI found"), said);
    assertTrue(said.contains("tools/install-temporal.sh") && said.contains("`temporal` binary on PATH"), "says how to go on: " + said);
    assertFalse(said.contains("plasmavmc is up"), said);
  }
}
