package io.plasmavmc.host.vmm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.storage.AtomicFiles;
import io.plasmavmc.host.storage.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A VM's directory on its host, {@code <runtime-root>/<vmId>/}, mode 0700: the VMM's sockets, the
 * pidfile, the serial log, the VMM's stderr, the spec and the exact command line it was started
 * with, and the record of how it exited. Everything PlasmaVMC knows about a VM on a host is here,
 * so a restarted worker finds its VMs again.
 */
public final class RuntimeDirectory {
  /** Recorded as the exit by PlasmaVMC's own kill, before it asks the VMM to quit. */
  public static final String KILLED_BY_HOST = "host-kill";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VM_ID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");
  /** sun_path holds 108 bytes including the terminating NUL. */
  private static final int MAX_SOCKET_PATH = 107;
  /** Sockets in the directory have names of at most this many bytes ({@code qmp.sock}). */
  private static final int MAX_SOCKET_NAME = 8;

  private final String vmId;
  private final Path path;

  public RuntimeDirectory(Path runtimeRoot, String vmId) {
    if (vmId == null || !VM_ID.matcher(vmId).matches() || vmId.contains("..")) {
      throw new InvalidSpecException("vm_id", "must be 1-64 characters of letters, digits, '.', '_' or '-'");
    }
    this.vmId = vmId;
    this.path = runtimeRoot.toAbsolutePath().normalize().resolve(vmId);
    if (path.toString().getBytes(StandardCharsets.UTF_8).length + 1 + MAX_SOCKET_NAME > MAX_SOCKET_PATH) {
      throw new InvalidSpecException("vm_id", "makes the QMP socket path longer than 107 bytes; use a shorter runtime directory");
    }
  }

  public String vmId() {
    return vmId;
  }

  public Path path() {
    return path;
  }

  /** A Unix socket the VMM listens on in this directory: its name short enough for every VM id this class accepts. */
  public Path socket(String name) {
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_NAME) {
      throw new IllegalArgumentException("socket names have at most " + MAX_SOCKET_NAME + " bytes: " + name);
    }
    return path.resolve(name);
  }

  public Path pidFile() {
    return path.resolve("qemu.pid");
  }

  public Path serialLog() {
    return path.resolve("serial.log");
  }

  public Path stderrLog() {
    return path.resolve("qemu.log");
  }

  public Path specFile() {
    return path.resolve("spec.json");
  }

  public Path commandLineFile() {
    return path.resolve("cmdline");
  }

  public Path exitFile() {
    return path.resolve("exit");
  }

  /**
   * Names the migration whose target this directory's QEMU is, while that QEMU waits for the VM's
   * state or holds it paused: gone once the migration lets its guest run here (the QEMU is then the
   * VM's own). A QEMU of the VM that runs here without it is not a migration's to end.
   */
  public Path incomingFile() {
    return path.resolve("incoming");
  }

  /** Names the migration this directory's QEMU sends the VM's state to another host for, and whether QEMU was asked to yet. */
  public Path outgoingFile() {
    return path.resolve("outgoing");
  }

  public boolean exists() {
    return Files.isDirectory(path);
  }

  /** Creates the directory (0700) if missing; returns whether it did. */
  public boolean create() {
    try {
      Files.createDirectories(path.getParent());
      try {
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return true;
      } catch (FileAlreadyExistsException e) {
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
        return false; // reused by a restart of the same VM
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create runtime directory " + path, e);
    }
  }

  /**
   * Takes the directory's spawn lock, an flock on its {@code lock} file, waiting for whoever holds
   * it: of two processes that spawn this VM at once (two workers with one host id, or a stale
   * one), the second finds the first one's QEMU instead of starting another.
   */
  public FileLock lockForSpawn() {
    create();
    try {
      FileChannel channel = FileChannel.open(path.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        return channel.lock();
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock runtime directory " + path, e);
    }
  }

  /**
   * Creates the directory (0700) and removes what a previous process left that would confuse a
   * new one: its pidfile and the record of its exit.
   */
  public void prepareForSpawn() {
    create();
    try {
      Files.deleteIfExists(pidFile());
      Files.deleteIfExists(exitFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare runtime directory " + path, e);
    }
  }

  /** The pid QEMU wrote, if the pidfile exists and holds one. */
  public OptionalLong readPid() {
    try {
      String text = Files.readString(pidFile()).trim();
      return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Records the spec the VM is started with (JSON), for the operator and for the host's count of the vCPUs and memory in use. */
  public void writeSpec(VmSpec spec) {
    try {
      AtomicFiles.write(specFile(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(spec));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the spec", e);
    }
  }

  /** The vCPUs and memory of the spec the VM was started with, read in one go; 0 of each when unknown. */
  public SpecSize specSize() {
    try {
      var spec = JSON.readTree(specFile().toFile());
      return new SpecSize(spec.path("vcpus").asInt(0), spec.path("memoryMib").asLong(0));
    } catch (IOException e) {
      return SpecSize.UNKNOWN;
    }
  }

  public void writeCommandLine(List<String> args) {
    // One argument per line: exact, and unambiguous even for arguments with spaces.
    AtomicFiles.write(commandLineFile(), String.join("\n", args) + "\n");
  }

  /** Records why the VMM ended (or is being ended), unless a reason is already recorded. */
  public void recordExitIfAbsent(String reason) {
    if (!exists() || Files.exists(exitFile())) {
      return;
    }
    AtomicFiles.write(exitFile(), reason);
  }

  /** Writes {@code text} to one of the directory's small records ({@link #incomingFile()}, {@link #outgoingFile()}). */
  public void writeRecord(Path file, String text) {
    AtomicFiles.write(file, text);
  }

  /** What one of the directory's small records holds, trimmed, if it exists. */
  public Optional<String> readRecord(Path file) {
    try {
      return Optional.of(Files.readString(file).trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Removes a file of the directory if it is there. */
  public void remove(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + file, e);
    }
  }

  public Optional<String> exitReason() {
    try {
      return Optional.of(Files.readString(exitFile()).trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public String readStderr() {
    try {
      return Files.readString(stderrLog()).trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** Removes the directory and everything in it; a missing directory is fine. */
  public void delete() {
    FileTrees.delete(path);
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
