package io.plasmavmc.host.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Tells whether this host can run guests under KVM and with which CPU model. {@code -cpu host} is
 * what libvirt's host-passthrough gives and is right on real hosts; some nested hypervisors
 * (PVM-based KVM among them) refuse an MSR it implies, so the probe starts a paused QEMU with each
 * candidate once and keeps the first that starts.
 */
public final class KvmProbe {
  private static final List<String> CPU_MODELS = List.of("host", "host,-arch-capabilities", "max");

  private KvmProbe() {}

  public static boolean kvmUsable() {
    return kvmUsable(Path.of("/dev/kvm"));
  }

  static boolean kvmUsable(Path device) {
    try (RandomAccessFile ignored = new RandomAccessFile(device.toFile(), "rw")) {
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /** The first CPU model a paused KVM QEMU starts with, or empty when KVM is not usable here. */
  public static Optional<String> kvmCpuModel(Path qemuBinary) {
    return kvmCpuModel(qemuBinary, null);
  }

  /** The same for QEMU running as {@code identity} (null: as this process): it needs /dev/kvm too. */
  public static Optional<String> kvmCpuModel(Path qemuBinary, QemuIdentity identity) {
    if (!kvmUsable() || (identity != null && !identity.canAccess(Path.of("/dev/kvm"), true))) {
      return Optional.empty();
    }
    for (String model : CPU_MODELS) {
      if (starts(qemuBinary, model, identity)) {
        return Optional.of(model);
      }
    }
    return Optional.empty();
  }

  private static boolean starts(Path qemuBinary, String cpuModel, QemuIdentity identity) {
    Path dir = null;
    try {
      dir = Files.createTempDirectory("plasmavmc-kvm-probe");
      if (identity != null) {
        identity.own(dir);
      }
      Path pidFile = dir.resolve("pid");
      List<String> command = new ArrayList<>(identity == null ? List.of() : identity.prefix());
      command.addAll(List.of(qemuBinary.toString(), "-machine", "q35", "-accel", "kvm", "-cpu", cpuModel,
          "-m", "16M", "-nodefaults", "-no-user-config", "-display", "none", "-S", "-daemonize", "-pidfile", pidFile.toString()));
      Process qemu = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      boolean ok = qemu.waitFor(20, TimeUnit.SECONDS) && qemu.exitValue() == 0;
      if (!ok) {
        qemu.destroyForcibly();
      }
      if (Files.exists(pidFile)) {
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      return ok;
    } catch (IOException | NumberFormatException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      if (dir != null) {
        try (var files = Files.list(dir)) {
          for (Path p : files.toList()) {
            Files.deleteIfExists(p);
          }
          Files.deleteIfExists(dir);
        } catch (IOException ignored) {
          // a leftover temp dir is harmless
        }
      }
    }
  }
}
