package io.plasmavmc.host.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unprivileged user QEMU runs as when the worker runs as root (a worker that is not root runs
 * QEMU as itself): a system user of its own, made where missing, in the kvm group where there is
 * one. QEMU is started already as this user ({@link #prefix}), so its strictest seccomp sandbox
 * (no privilege changes, no spawning) holds from its first instruction.
 */
public record QemuIdentity(String name, int uid, int gid) {
  private static final Logger log = LoggerFactory.getLogger(QemuIdentity.class);
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  /** The identity for {@code name} (made if missing), or null when this process is not root: QEMU then runs as it. */
  public static QemuIdentity ensure(String name) {
    if (name == null || name.isBlank() || !"root".equals(System.getProperty("user.name"))) {
      return null;
    }
    if (!name.matches("[a-z_][a-z0-9_-]{0,31}")) {
      throw new IllegalArgumentException("QEMU user must be a valid user name: " + name);
    }
    if (run("id", "-u", name) == null) {
      List<String> add = new ArrayList<>(List.of("useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
          "--shell", "/usr/sbin/nologin", "--comment", "PlasmaVMC QEMU processes"));
      if (run("getent", "group", "kvm") != null) {
        add.addAll(List.of("--groups", "kvm"));
      }
      add.add(name);
      if (run(add.toArray(String[]::new)) == null) {
        throw new IllegalStateException("cannot create the QEMU user " + name + " (useradd failed)");
      }
      log.info("created the system user {} for QEMU processes", name);
    }
    String uid = run("id", "-u", name);
    String gid = run("id", "-g", name);
    if (uid == null || uid.isEmpty() || gid == null || gid.isEmpty()) {
      throw new IllegalStateException("cannot find the QEMU user " + name);
    }
    return new QemuIdentity(name, Integer.parseInt(uid.strip()), Integer.parseInt(gid.strip()));
  }

  /** What goes before QEMU's own argument list: become this user, with its groups, unable to gain privileges again. */
  public List<String> prefix() {
    return List.of(SETPRIV.toString(), "--reuid", Integer.toString(uid), "--regid", Integer.toString(gid), "--init-groups",
        "--no-new-privs", "--");
  }

  /** Whether this user may open {@code file} for reading (and writing, if asked). */
  public boolean canAccess(Path file, boolean write) {
    List<String> test = new ArrayList<>(prefix());
    test.addAll(write ? List.of("test", "-r", file.toString(), "-a", "-w", file.toString()) : List.of("test", "-r", file.toString()));
    return run(test.toArray(String[]::new)) != null;
  }

  /** Whether this user may pass through {@code directory} to what is in it (every directory above it included). */
  public boolean canEnter(Path directory) {
    List<String> test = new ArrayList<>(prefix());
    test.addAll(List.of("test", "-x", directory.toString()));
    return run(test.toArray(String[]::new)) != null;
  }

  /** Makes {@code directory} this user's (mode 0700 stays): QEMU writes its socket, pidfile and serial log there. */
  public void own(Path directory) throws IOException {
    Files.setAttribute(directory, "unix:uid", uid);
    Files.setAttribute(directory, "unix:gid", gid);
  }

  /** The command's standard output when it exits 0, null otherwise. */
  private static String run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return null;
      }
      return process.exitValue() == 0 ? out : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
