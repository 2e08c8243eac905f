package io.plasmavmc.cluster;

import io.plasmavmc.host.HostStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One host's worker, `plasmavmc host-worker`, in its own JVM inside the host's network namespace:
 * its own host id (its task queue), runtime directory and storage (image store, import and VM
 * directories), Temporal reached over the host's veth link. It can be SIGKILLed and started again
 * in the same namespace, as systemd would restart it on a KVM host.
 */
final class HostWorkerProcess {
  static final String READY_LINE = "host worker ready";
  private static final Duration READY_LIMIT = Duration.ofSeconds(120);

  private final HostNamespace namespace;
  private final String hostId;
  private final Path runtimeDir;
  private final HostStorage storage;
  private final Path dir;
  private final LoggedProcess process;

  /** {@code limits}: the worker's admission arguments ({@link ClusterOptions#workerArguments}), appended to its command line. */
  HostWorkerProcess(HostNamespace namespace, String hostId, String temporalAddress, Path imageRoot, Path dir, Path logs, List<String> limits) {
    this.namespace = namespace;
    this.hostId = hostId;
    this.dir = dir;
    this.runtimeDir = dir.resolve("run");
    this.storage = HostStorage.under(dir.resolve("storage"));
    List<String> java = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        // Bounded: three workers and two gateways share the machine with the test.
        "-Xmx384m",
        "-cp", System.getProperty("java.class.path"), "io.plasmavmc.launcher.PlasmaVmc", "host-worker",
        "--temporal-address", temporalAddress,
        "--host-id", hostId,
        "--runtime-dir", runtimeDir.toString(),
        "--image-store", storage.imageStore().toString(),
        "--import-dir", storage.importDir().toString(),
        "--vms-dir", storage.vmsDir().toString(),
        "--image-root", imageRoot.toString()));
    java.addAll(limits);
    process = new LoggedProcess("host worker " + hostId + " (namespace " + namespace.name() + ")", namespace.exec(java), null, dir,
        logs.resolve("worker-" + hostId + ".log"));
  }

  /** Starts it; {@link #awaitReady} waits for it (several JVMs start side by side). */
  HostWorkerProcess start() {
    try {
      Files.createDirectories(runtimeDir);
      // QEMU runs as its own unprivileged user: it passes through to read the store's images.
      Files.createDirectories(storage.imageStore());
      Files.createDirectories(storage.importDir());
      Files.createDirectories(storage.vmsDir());
      for (Path open : List.of(dir, dir.resolve("storage"))) {
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare host " + hostId + "'s directories under " + dir + ": " + e.getMessage(), e);
    }
    process.start();
    return this;
  }

  void awaitReady() {
    process.awaitLine(READY_LINE, READY_LIMIT);
  }

  /** SIGKILL, as a crash of the worker: its QEMUs run on in the namespace. */
  void kill() {
    process.kill();
  }

  void stop() {
    process.stop(Duration.ofSeconds(10));
  }

  boolean alive() {
    return process.alive();
  }

  long pid() {
    return process.pid();
  }

  String hostId() {
    return hostId;
  }

  HostNamespace namespace() {
    return namespace;
  }

  /** A VM's runtime directory on this host ({@code <runtime-dir>/<vmId>}: serial log, pidfile, QMP socket). */
  Path vmDir(String vmId) {
    return runtimeDir.resolve(vmId);
  }

  Path log() {
    return process.log();
  }
}
