package io.plasmavmc.host.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The project's test guest (tools/guest/build.sh): a Debian cloud kernel and a busybox initramfs
 * that prints {@link #READY_MARKER} on ttyS0. Built on first use when the cache is empty, so a
 * plain {@code mvn verify} works on a fresh machine that has the build script's packages.
 */
public final class TestGuest {
  public static final String READY_MARKER = "PLASMAVMC-GUEST-READY";
  public static final String CMDLINE = "console=ttyS0 quiet panic=-1";

  private TestGuest() {}

  public static Path dir() {
    String configured = System.getProperty("plasmavmc.guest.dir");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("PLASMAVMC_GUEST_DIR");
    }
    // As root, QEMU runs as its own user, and root's home is closed to it (see GuestImages).
    Path dir = configured != null && !configured.isBlank()
        ? Path.of(configured)
        : "root".equals(System.getProperty("user.name"))
            ? Path.of("/var/cache/plasmavmc/guest")
            : Path.of(System.getProperty("user.home"), ".cache", "plasmavmc", "guest");
    ensureBuilt(dir);
    return dir;
  }

  public static Path kernel() {
    return dir().resolve("vmlinuz");
  }

  public static Path graceful() {
    return dir().resolve("initrd-graceful.img");
  }

  /** The graceful guest running Debian's QEMU guest agent on org.qemu.guest_agent.0. */
  public static Path agent() {
    return dir().resolve("initrd-agent.img");
  }

  public static Path stubborn() {
    return dir().resolve("initrd-stubborn.img");
  }

  private static boolean built;

  /** Runs the build script once per JVM: it returns at once when the cache is current. */
  private static synchronized void ensureBuilt(Path dir) {
    if (built) {
      return;
    }
    Path script = findScript();
    try {
      Path log = Files.createTempFile("plasmavmc-guest-build", ".log");
      // Into a file, not the inherited stdout: Surefire reads the forked JVM's stdout as its channel.
      ProcessBuilder builder = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      builder.environment().put("PLASMAVMC_GUEST_DIR", dir.toString());
      Process build = builder.start();
      if (!build.waitFor(10, TimeUnit.MINUTES) || build.exitValue() != 0) {
        throw new IllegalStateException("tools/guest/build.sh failed:\n" + Files.readString(log));
      }
      built = true;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Path findScript() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      Path candidate = p.resolve("tools/guest/build.sh");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("tools/guest/build.sh not found above " + here);
  }

  /** Waits until the serial log holds the ready marker {@code count} times (a reset boots again). */
  public static void awaitReady(Path serialLog, int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (occurrences(serialLog) >= count) {
        return;
      }
      Thread.sleep(25);
    }
    String log;
    try {
      log = Files.exists(serialLog) ? Files.readString(serialLog) : "(no serial log)";
    } catch (IOException e) {
      log = e.toString();
    }
    throw new AssertionError("guest not ready (" + count + "x marker) within " + timeout.toSeconds() + " s; serial log:\n" + log);
  }

  private static int occurrences(Path serialLog) {
    try {
      String log = Files.readString(serialLog);
      int n = 0;
      for (int i = log.indexOf(READY_MARKER); i >= 0; i = log.indexOf(READY_MARKER, i + 1)) {
        n++;
      }
      return n;
    } catch (IOException e) {
      return 0;
    }
  }
}
