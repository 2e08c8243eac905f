package io.plasmavmc.launcher;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.WorkflowSearchAttributes;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Temporal's real server as the Temporal CLI runs it ({@code temporal server start-dev}): one
 * SQLite file keeps every workflow's history across restarts, the Web UI shows them, and
 * PlasmaVMC's search attributes are registered as it starts. This class starts it, waits until it
 * serves, restarts it whenever it dies, and stops it on close. The server dies with the JVM
 * (parent-death signal), so a killed PlasmaVMC never leaves a server holding the file; one left by
 * some other accident is found through the pidfile beside the database and stopped first.
 */
public final class TemporalDevServer implements TemporalServer {
  private static final Logger log = LoggerFactory.getLogger(TemporalDevServer.class);
  private static final String NAMESPACE = "default";
  private static final long MAX_LOG_BYTES = 16L << 20;
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  /** {@code uiPort} &lt; 0 runs the server without its Web UI. */
  public record Settings(Path binary, int port, int uiPort, Path dataDir) {}

  private final Settings settings;
  private final Path database;
  private final Path pidFile;
  private final Path logFile;
  private final CompletableFuture<Void> firstLaunch = new CompletableFuture<>();
  private volatile Process process;
  /** Launches so far; the supervisor relaunches a server that dies, also before it was first ready. */
  private final AtomicInteger launches = new AtomicInteger();
  /**
   * Launches a start may take: the server once died at start here with a Go panic (exit code 2)
   * that a second launch on the same file does not meet; a real misconfiguration fails every time.
   */
  private static final int START_ATTEMPTS = 3;
  private volatile boolean stopping;
  private Thread supervisor;

  /** What the binary says of itself (the CLI's, the server's and the UI's versions), asked once, for the summary. */
  private volatile String version;

  private TemporalDevServer(Settings settings) {
    this.settings = settings;
    this.database = settings.dataDir().resolve("temporal.db");
    this.pidFile = settings.dataDir().resolve("temporal.pid");
    this.logFile = settings.dataDir().resolve("temporal.log");
  }

  /** Starts the server on {@code settings.dataDir()/temporal.db} and waits until it serves PlasmaVMC. */
  public static TemporalDevServer start(Settings settings, Duration readyWithin) {
    TemporalDevServer server = new TemporalDevServer(settings);
    try {
      server.prepareDataDir();
      server.stopStaleServer();
      server.supervisor = new Thread(server::supervise, "temporal-dev-server");
      server.supervisor.setDaemon(true);
      server.supervisor.start();
      server.firstLaunch.get();
      server.awaitReady(readyWithin);
      return server;
    } catch (RuntimeException | InterruptedException | ExecutionException e) {
      server.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause.getMessage(), cause);
    }
  }

  @Override
  public String address() {
    return "127.0.0.1:" + settings.port();
  }


  /** The Web UI's address, or null when it runs without one. */
  public String uiAddress() {
    return settings.uiPort() < 0 ? null : "http://127.0.0.1:" + settings.uiPort();
  }

  public Path database() {
    return database;
  }

  /** The server's current process id (it changes when the server is restarted). */
  public long pid() {
    Process current = process;
    return current == null ? -1 : current.pid();
  }

  @Override
  public String summary() {
    if (version == null) {
      version = TemporalCli.version(settings.binary());
    }
    return "Temporal dev server " + address() + " (" + version + "; SQLite " + database + ")"
        + (uiAddress() == null ? "" : "\n  Temporal Web UI                 " + uiAddress());
  }

  /** The command line, an argument list (never a shell): each value is one argument. */
  List<String> commandLine() {
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETPRIV)) {
      // The server gets SIGKILL when the thread that started it ends (the JVM dying included).
      command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
    }
    command.addAll(List.of(settings.binary().toString(), "server", "start-dev",
        "--ip", "127.0.0.1",
        "--port", Integer.toString(settings.port()),
        "--db-filename", database.toString(),
        // A write-ahead log synced at checkpoints: a transaction the server committed survives any
        // crash of processes (SIGKILL of the whole stack included); only a power loss or kernel
        // crash may lose the last ones, when the VMs' QEMUs are gone too. SQLite's default (rollback
        // journal, fsync per commit) makes every workflow or activity task about 12 ms slower.
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal"));
    // The dev server has one history shard, and each shard reads its task queues at most 20 times
    // a second by default: a sustained sequence of tasks (one VM's lifecycle) then moves in 50 ms
    // steps. Measured with a workflow of 20 no-op activities: 102 ms per activity at the default,
    // 17 ms with these limits lifted (the reads happen only when there are new tasks).
    for (String queue : List.of("transfer", "timer", "visibility")) {
      command.addAll(List.of("--dynamic-config-value", "history." + queue + "ProcessorMaxPollRPS=1000"));
    }
    // A workflow's activity on its own task queue (a lifecycle test run's VM operations) is handed
    // to the worker that completes the workflow task, without a trip through matching.
    command.addAll(List.of("--dynamic-config-value", "system.enableActivityEagerExecution=true"));
    if (settings.uiPort() < 0) {
      command.add("--headless");
    } else {
      command.addAll(List.of("--ui-port", Integer.toString(settings.uiPort())));
    }
    for (var key : WorkflowSearchAttributes.ALL) {
      command.addAll(List.of("--search-attribute", key.getName() + "=Keyword"));
    }
    return command;
  }

  private void prepareDataDir() {
    try {
      Files.createDirectories(settings.dataDir());
      Files.setPosixFilePermissions(settings.dataDir(), PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the Temporal data directory " + settings.dataDir(), e);
    }
  }

  /** A server of an earlier run that still holds this database (found by its pidfile) is stopped first. */
  private void stopStaleServer() {
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).trim());
    } catch (IOException | NumberFormatException e) {
      return;
    }
    String marker = database.toString();
    if (LinuxProcesses.isAliveAndOwned(pid, marker)) {
      log.warn("a Temporal dev server of an earlier run (pid {}) still holds {}; stopping it", pid, database);
      LinuxProcesses.signal(pid, marker, false);
      if (!LinuxProcesses.awaitGone(pid, marker, Duration.ofSeconds(10))) {
        LinuxProcesses.signal(pid, marker, true);
        LinuxProcesses.awaitGone(pid, marker, Duration.ofSeconds(5));
      }
    }
  }

  /**
   * Runs in its own long-lived thread, which must also be the thread that starts the server: the
   * parent-death signal fires when the starting thread ends.
   */
  private void supervise() {
    Duration backoff = Duration.ofSeconds(1);
    while (!stopping) {
      long startedAt = System.nanoTime();
      try {
        Process started = launch();
        firstLaunch.complete(null);
        int code = started.waitFor();
        if (stopping) {
          return;
        }
        if (System.nanoTime() - startedAt > TimeUnit.MINUTES.toNanos(1)) {
          backoff = Duration.ofSeconds(1);
        }
        log.error("the Temporal dev server (pid {}) exited with code {}; restarting it on {} in {} s (its log: {})",
            started.pid(), code, database, backoff.toSeconds(), logFile);
      } catch (IOException | RuntimeException e) {
        if (firstLaunch.completeExceptionally(new IllegalStateException("cannot start " + settings.binary() + ": " + e.getMessage(), e))) {
          return; // start() reports it
        }
        log.error("cannot restart the Temporal dev server: {}", e.toString());
      } catch (InterruptedException e) {
        return;
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : backoff.multipliedBy(2);
    }
  }

  private Process launch() throws IOException {
    if (Files.exists(logFile) && Files.size(logFile) > MAX_LOG_BYTES) {
      Files.move(logFile, settings.dataDir().resolve("temporal.log.1"), StandardCopyOption.REPLACE_EXISTING);
    }
    Process started = new ProcessBuilder(commandLine())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    process = started;
    launches.incrementAndGet();
    Files.writeString(pidFile, started.pid() + "\n");
    log.info("Temporal dev server started: pid {}, {} (log {})", started.pid(), database, logFile);
    return started;
  }

  /** Waits until the frontend answers, the namespace exists and PlasmaVMC's search attributes are registered. */
  private void awaitReady(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    // The port first: a gRPC channel that finds nothing backs off for seconds before it tries again.
    while (!portOpen()) {
      checkRunning();
      pause(deadline, "its port " + settings.port() + " to open");
    }
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(address()).build());
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setChannel(stubs.getRawChannel()).validateAndBuildWithDefaults());
    try {
      while (true) {
        checkRunning();
        try {
          stubs.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS)
              .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(NAMESPACE).build());
          var known = operator.blockingStub().withDeadlineAfter(2, TimeUnit.SECONDS)
              .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(NAMESPACE).build())
              .getCustomAttributesMap();
          if (WorkflowSearchAttributes.ALL.stream().allMatch(key -> known.containsKey(key.getName()))) {
            return;
          }
        } catch (StatusRuntimeException e) {
          // not serving yet
        }
        pause(deadline, "namespace " + NAMESPACE + " and the search attributes");
      }
    } finally {
      operator.shutdownNow();
      stubs.shutdownNow();
    }
  }

  private boolean portOpen() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", settings.port()), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Fails once the server has died before it was ready as many times as a start may launch it. */
  private void checkRunning() {
    Process current = process;
    if (current == null || current.isAlive()) {
      return;
    }
    if (launches.get() < START_ATTEMPTS) {
      if (diedBeforeReady.add(current.pid())) {
        log.warn("the Temporal dev server (pid {}) exited with code {} before it was ready ({}); launching it again",
            current.pid(), current.exitValue(), errorLine());
      }
      return; // the supervisor launches it again
    }
    throw new IllegalStateException("the Temporal dev server exited with code " + current.exitValue()
        + " before it was ready, " + START_ATTEMPTS + " times (is port " + settings.port() + " or " + settings.uiPort()
        + " taken?): " + errorLine() + "; the end of " + logFile + ":\n" + logTail());
  }

  private final Set<Long> diedBeforeReady = ConcurrentHashMap.newKeySet();

  /** The log's last line that says what went wrong (a Go panic or the CLI's error; the log spans launches), for the message. */
  private String errorLine() {
    try (Stream<String> lines = Files.lines(logFile)) {
      return lines.filter(line -> line.startsWith("panic:") || line.startsWith("Error:") || line.startsWith("fatal error:"))
          .reduce((first, later) -> later).orElse("no error line in its log");
    } catch (IOException | UncheckedIOException e) {
      return "no log";
    }
  }

  private void pause(long deadline, String what) {
    if (System.nanoTime() > deadline) {
      throw new IllegalStateException("the Temporal dev server did not become ready in time (waiting for " + what + "); the end of "
          + logFile + ":\n" + logTail());
    }
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the Temporal dev server");
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Stops the server: SIGTERM, and SIGKILL if it has not ended 10 s later. */
  @Override
  public void close() {
    stopping = true;
    Process current = process;
    if (current != null && current.isAlive()) {
      current.destroy();
      try {
        if (!current.waitFor(10, TimeUnit.SECONDS)) {
          log.warn("the Temporal dev server (pid {}) did not stop within 10 s; killing it", current.pid());
          current.destroyForcibly();
          current.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        current.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (supervisor != null) {
      supervisor.interrupt();
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      // a stale pidfile is checked against the process's command line before it is believed
    }
  }
}
