package io.plasmavmc.host.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The project's test guest (tools/guest/build.sh): a Debian cloud kernel and a busybox initramfs
 * that prints {@link #READY_MARKER} on ttyS0, booted with -kernel or from its bootable disk image
 * ({@link #disk()}). Built on first use when the cache is empty or of an older version, so a plain
 * {@code mvn verify} works on a fresh machine that has the build script's packages.
 */
public final class TestGuest {
  public static final String READY_MARKER = "PLASMAVMC-GUEST-READY";
  /** The kernel command line for -kernel boots; the disk image's syslinux.cfg boots the same one. */
  public static final String CMDLINE = "console=ttyS0 quiet panic=-1";
  /**
   * Printed before the ready marker for every partition that begins with a boot log (partition 2 of
   * {@link #disk()}), once the guest has counted this boot into it:
   * {@code PLASMAVMC-DISK-WRITTEN device=/dev/vda2 boots=<n> boot-id=<uuid>} (boots=1 on a fresh
   * overlay). A read-only disk gives {@code PLASMAVMC-DISK-WRITE-FAILED device=<dev>} instead.
   */
  public static final String DISK_WRITTEN_MARKER = "PLASMAVMC-DISK-WRITTEN";
  /**
   * Printed before the ready marker when a cloud-init NoCloud seed (a VFAT or ISO9660 filesystem
   * labelled cidata or CIDATA) is attached: {@code PLASMAVMC-CLOUD-INIT instance-id=<id>
   * hostname=<local-hostname>} from its meta-data, {@code PLASMAVMC-CLOUD-INIT-FILES <files>}, then
   * {@link #CLOUD_INIT_USER_MARKER} once for each user-data line {@code # plasmavmc-marker: <text>}.
   */
  public static final String CLOUD_INIT_MARKER = "PLASMAVMC-CLOUD-INIT";
  /** {@code PLASMAVMC-CLOUD-INIT-MARKER <text>}: a user-data line {@code # plasmavmc-marker: <text>} reached the guest. */
  public static final String CLOUD_INIT_USER_MARKER = "PLASMAVMC-CLOUD-INIT-MARKER";

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

  /**
   * The graceful guest on a bootable disk (qcow2, 19 MiB virtual): SYSLINUX boots {@link #kernel()}
   * and {@link #graceful()} from its FAT partition through SeaBIOS, from a virtio-blk disk, with no
   * -kernel; the guest writes its boot log partition at every boot. A base image: boot VMs from
   * copy-on-write overlays of it (or copies), never from the file itself.
   */
  public static Path disk() {
    return dir().resolve("disk-graceful.qcow2");
  }

  /**
   * Writes a cloud-init NoCloud seed to {@code seed} as the host makes one: a FAT filesystem
   * labelled CIDATA holding meta-data, user-data and network-config, made and filled without a
   * mount (dosfstools' mkfs.fat, mtools' mcopy). {@code seed} must not exist yet.
   */
  public static Path writeCloudInitSeed(Path seed, String metaData, String userData, String networkConfig)
      throws IOException, InterruptedException {
    Path mkfs = TestTools.require("/usr/sbin/mkfs.fat", "dosfstools");
    Path mcopy = TestTools.require("/usr/bin/mcopy", "mtools");
    Path files = Files.createTempDirectory(seed.getParent(), "seed-files");
    try {
      Files.writeString(files.resolve("meta-data"), metaData);
      Files.writeString(files.resolve("user-data"), userData);
      Files.writeString(files.resolve("network-config"), networkConfig);
      run(List.of(mkfs.toString(), "-n", "CIDATA", "-C", seed.toString(), "1024"));
      run(List.of(mcopy.toString(), "-i", seed.toString(), files.resolve("meta-data").toString(),
          files.resolve("user-data").toString(), files.resolve("network-config").toString(), "::"));
      return seed;
    } finally {
      ScratchDirectories.delete(files);
    }
  }

  /** Runs a program (no shell, no input) and fails with its output unless it exits 0 within a minute. */
  public static void run(List<String> command) throws IOException, InterruptedException {
    Path output = Files.createTempFile("plasmavmc-test-command", ".log");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!process.waitFor(1, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not end within a minute:\n" + Files.readString(output));
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n" + Files.readString(output));
      }
    } finally {
      Files.deleteIfExists(output);
    }
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
