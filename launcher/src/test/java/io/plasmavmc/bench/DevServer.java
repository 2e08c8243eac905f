package io.plasmavmc.bench;

import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalCredentials;
import io.plasmavmc.launcher.LocalStack;
import io.temporal.client.WorkflowClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The local stack as `plasmavmc up` runs it (Temporal's dev server on SQLite, one host worker and
 * the gateway in this JVM), in a fixed scratch directory. QEMU runs in a session of its own and
 * outlives the JVM that spawned it, so: a shutdown hook ends this run's processes when the JVM is
 * stopped (Ctrl-C), and whatever a run killed outright left (QEMUs, its dev server: their command
 * lines name the scratch directory) is ended by the next run before it starts.
 */
final class DevServer implements AutoCloseable {
  static final Path SCRATCH = Path.of("/tmp/plasmavmc-bench-fleet");
  private static final Duration GONE_LIMIT = Duration.ofSeconds(15);

  private final LocalStack stack;
  private final BearerToken admin;
  private final Thread hook;

  private DevServer(LocalStack stack, BearerToken admin, Thread hook) {
    this.stack = stack;
    this.admin = admin;
    this.hook = hook;
  }

  /** Starts the stack; {@code limits}: what its one host admits. */
  static DevServer start(HostLimits limits) throws IOException {
    endProcessesInScratch();
    ScratchDirectories.delete(SCRATCH);
    Path config = SCRATCH.resolve("config");
    Path storageRoot = Files.createDirectories(SCRATCH.resolve("storage"));
    // QEMU runs as its own user: it passes through the scratch directory to its runtime directory.
    for (Path open : List.of(SCRATCH, storageRoot)) {
      Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    HostStorage storage = HostStorage.under(storageRoot);
    for (Path dir : List.of(storage.imageStore(), storage.importDir(), storage.vmsDir())) {
      Files.createDirectories(dir);
    }
    Thread hook = new Thread(DevServer::endProcessesInScratch, "bench-dev-server-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    LocalStack stack = new LocalStack(new LocalStack.Settings(new LocalStack.TemporalSettings(freePort(), -1, SCRATCH.resolve("temporal")),
        LocalStack.ApiSettings.loopback(0, config), "bench", Files.createDirectories(SCRATCH.resolve("run")),
        Path.of("/usr/bin/qemu-system-x86_64"), List.of(TestGuest.dir()), "auto", Duration.ofSeconds(15), "report")
        .withLimits(limits).withStorage(storage));
    try {
      stack.start();
    } catch (RuntimeException | Error e) {
      stack.close();
      endProcessesInScratch();
      Runtime.getRuntime().removeShutdownHook(hook);
      throw e;
    }
    return new DevServer(stack, new BearerToken(LocalCredentials.readToken(config).orElseThrow()), hook);
  }

  String address() {
    return "127.0.0.1:" + stack.grpcPort();
  }

  BearerToken admin() {
    return admin;
  }

  WorkflowClient temporal() {
    return stack.client();
  }

  int qemuCount() {
    return QemuProcessTable.livePidsMentioning(SCRATCH).size();
  }

  @Override
  public void close() {
    try {
      stack.close();
    } finally {
      endProcessesInScratch();
      ScratchDirectories.delete(SCRATCH);
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already: the hook runs
      }
    }
  }

  /** SIGKILLs every process whose command line names the scratch directory, and waits (bounded) for them to go. */
  private static void endProcessesInScratch() {
    String marker = SCRATCH + "/";
    long self = ProcessHandle.current().pid();
    List<ProcessHandle> ours;
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      ours = all.filter(p -> p.pid() != self && LinuxProcesses.commandLine(p.pid()).contains(marker)).toList();
    }
    ours.forEach(ProcessHandle::destroyForcibly);
    long deadline = System.nanoTime() + GONE_LIMIT.toNanos();
    for (ProcessHandle process : ours) {
      try {
        process.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        System.err.println("bench-fleet: process " + process.pid() + " did not end within " + GONE_LIMIT.toSeconds() + " s of SIGKILL");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
