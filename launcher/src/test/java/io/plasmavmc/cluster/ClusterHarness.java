package io.plasmavmc.cluster;

import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * PlasmaVMC's production topology on one machine, for tests: a private PostgreSQL cluster,
 * Temporal's server (1.31.0, the compose's) with its schemas and namespace made by the compose's own
 * jobs, three hosts as network namespaces each running a host worker (its own address, host id,
 * runtime and VM directories, Temporal over its veth link), and two gateways (stateless: a client
 * may use either). {@link #start} brings it all up with bounded waits (a failure names the piece and
 * quotes its log) and prints how long each piece took; {@link #close} tears everything down, QEMUs
 * included, also from a shutdown hook when the JVM is interrupted, and a run killed outright is
 * cleaned up by the next one (fixed names, one cluster per machine at a time). Logs stay in
 * target/cluster-logs.
 */
public final class ClusterHarness implements AutoCloseable {
  public static final List<String> HOST_IDS = List.of("h1", "h2", "h3");
  /** Fixed, so a killed run's leftovers are found; its processes run with their working directory under it. */
  static final Path SCRATCH = Path.of("/tmp/plasmavmc-test-cluster");
  private static final Duration LOCK_LIMIT = Duration.ofMinutes(15);

  private final Path logs = Path.of("target", "cluster-logs").toAbsolutePath();
  private final ClusterOptions options;
  private final Map<String, Duration> timings = new LinkedHashMap<>();
  private final Map<String, HostWorkerProcess> workers = new LinkedHashMap<>();
  private final List<GatewayProcess> gateways = new ArrayList<>();
  private ClusterLock lock;
  private ClusterTools tools;
  private TestNetwork network;
  private PostgresCluster postgres;
  private TemporalCluster temporal;
  private BearerToken admin;
  private Thread shutdownHook;
  private boolean closed;

  private ClusterHarness(ClusterOptions options) {
    this.options = options;
  }

  /** Why the cluster cannot run on this machine at all (not root, no `ip`), if so: for callers outside this package. */
  public static Optional<String> cannotRunHere() {
    return ClusterTools.cannotRunHere();
  }

  /** Starts the whole cluster, or fails naming the piece that did not come up (everything started so far is torn down). */
  public static ClusterHarness start() {
    return start(ClusterOptions.DEFAULTS);
  }

  /** The same, the host workers admitting VMs as {@code options} say. */
  public static ClusterHarness start(ClusterOptions options) {
    ClusterHarness harness = new ClusterHarness(options);
    try {
      harness.startAll();
      return harness;
    } catch (RuntimeException | Error e) {
      try {
        harness.close();
      } catch (RuntimeException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
  }

  /**
   * Holds the harness's monitor, as {@link #close} does: a shutdown hook that fires mid-start (the
   * JVM stopped) tears down after the start's current bounded wait, never beside it.
   */
  private synchronized void startAll() {
    long began = System.nanoTime();
    long phase = began;
    lock = ClusterLock.acquire(LOCK_LIMIT);
    tools = ClusterTools.find();
    String leftovers = Leftovers.remove(tools, SCRATCH, postgresDir());
    if (!leftovers.isEmpty()) {
      System.out.println("cluster: removed what an earlier run left: " + leftovers);
    }
    prepareDirectories();
    shutdownHook = new Thread(this::closeQuietly, "cluster-harness-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    phase = lap("lock, leftovers", phase);

    network = new TestNetwork(tools.ip()).start();
    List<HostNamespace> namespaces = new ArrayList<>();
    for (int i = 0; i < HOST_IDS.size(); i++) {
      namespaces.add(network.addHost(i + 1, HOST_IDS.get(i)));
    }
    phase = lap("network (bridge, 3 namespaces)", phase);

    Ports control = new Ports(TestNetwork.CONTROL_ADDRESS);
    postgres = new PostgresCluster(tools, postgresDir(), TestNetwork.CONTROL_ADDRESS, control.prefer(5432), newPassword()).start();
    phase = lap("PostgreSQL " + tools.postgresBin().getParent().getFileName() + " (initdb, start)", phase);
    temporal = new TemporalCluster(tools, postgres, SCRATCH.resolve("temporal"), logs, TestNetwork.CONTROL_ADDRESS, control);
    temporal.setUpSchema();
    phase = lap("schema job", phase);
    temporal.start();
    phase = lap("Temporal server (frontend listening)", phase);
    temporal.setUpNamespace();
    phase = lap("namespace job (SERVING, namespace, search attributes)", phase);

    Path configDir = SCRATCH.resolve("config");
    LocalCredentials.ensure(configDir);
    admin = new BearerToken(LocalCredentials.readToken(configDir).orElseThrow());
    // All five JVMs start side by side; each is then awaited with its own bound.
    for (int i = 0; i < HOST_IDS.size(); i++) {
      String hostId = HOST_IDS.get(i);
      workers.put(hostId, new HostWorkerProcess(namespaces.get(i), hostId, temporal.frontend(), TestGuest.dir(),
          SCRATCH.resolve("hosts").resolve(hostId), logs, options.workerArguments()).start());
    }
    Ports loopback = new Ports("127.0.0.1");
    for (int i = 0; i < 2; i++) {
      Path dir = SCRATCH.resolve("gateway-" + (i + 1));
      createDirectories(dir);
      gateways.add(new GatewayProcess("gateway-" + (i + 1), temporal.frontend(), loopback.prefer(9090 + i),
          LocalCredentials.tokensFile(configDir), HOST_IDS.get(0), dir, logs).start());
    }
    workers.values().forEach(HostWorkerProcess::awaitReady);
    gateways.forEach(GatewayProcess::awaitReady);
    lap("3 host workers and 2 gateways (JVMs side by side)", phase);
    timings.put("total", Duration.ofNanos(System.nanoTime() - began));
    System.out.println(startupReport());
  }

  /** Each piece's start-up time and what runs where. */
  public String startupReport() {
    StringBuilder report = new StringBuilder("cluster: up in " + seconds(timings.get("total")) + "\n");
    timings.forEach((what, took) -> {
      if (!what.equals("total")) {
        report.append("  ").append(String.format(Locale.ROOT, "%-58s %s", what, seconds(took))).append('\n');
      }
    });
    report.append("  PostgreSQL ").append(postgres.address()).append(':').append(postgres.port())
        .append(", Temporal frontend ").append(temporal.frontend())
        .append(", hosts ").append(workers.values().stream().map(w -> w.hostId() + "=" + w.namespace().address()).toList())
        .append(", gateways ").append(gateways.stream().map(GatewayProcess::address).toList())
        .append("; logs in ").append(logs);
    return report.toString();
  }

  public List<GatewayProcess> gateways() {
    return List.copyOf(gateways);
  }

  /** The gateways' gRPC addresses (plaintext on loopback; the admin's token is {@link #admin}). */
  public List<String> gatewayAddresses() {
    return gateways.stream().map(GatewayProcess::address).toList();
  }

  /** The QEMUs on host {@code hostId} now: every process in its namespace but its worker. */
  public List<Long> qemuPids(String hostId) {
    HostWorkerProcess worker = worker(hostId);
    return worker.namespace().pids().stream().filter(pid -> pid != worker.pid()).toList();
  }

  public HostWorkerProcess worker(String hostId) {
    HostWorkerProcess worker = workers.get(hostId);
    if (worker == null) {
      throw new IllegalArgumentException("no host " + hostId + " in the cluster (" + workers.keySet() + ")");
    }
    return worker;
  }

  /** The admin role's bearer token, accepted by both gateways. */
  public BearerToken admin() {
    return admin;
  }

  /** The directory with the admin's token, for vmctl. */
  public Path configDir() {
    return SCRATCH.resolve("config");
  }

  public String temporalAddress() {
    return temporal.frontend();
  }

  public Path logs() {
    return logs;
  }

  /** The cluster's log files that contain the database password (there must be none). */
  public List<Path> logsRevealingTheDatabasePassword() {
    try (Stream<Path> files = Files.list(logs)) {
      return files.filter(file -> {
        try {
          return Files.readString(file, StandardCharsets.ISO_8859_1).contains(postgres.password());
        } catch (IOException e) {
          return false;
        }
      }).toList();
    } catch (IOException e) {
      throw new IllegalStateException("cannot list " + logs + ": " + e.getMessage(), e);
    }
  }

  /** Tears everything down, in the reverse order of its start; says what could not be removed. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<RuntimeException> failures = new ArrayList<>();
    gateways.forEach(gateway -> attempt(failures, gateway::stop));
    workers.values().forEach(worker -> attempt(failures, worker::stop));
    if (network != null) {
      attempt(failures, network::close); // every process left in a host's namespace (QEMUs) is SIGKILLed first
    }
    if (temporal != null) {
      attempt(failures, temporal::stop);
    }
    if (postgres != null) {
      attempt(failures, postgres::stop);
      attempt(failures, () -> copy(postgres.log(), logs.resolve("postgresql.log")));
    }
    if (tools != null) {
      attempt(failures, () -> ScratchDirectories.delete(SCRATCH));
    }
    if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down already
      }
    }
    if (lock != null) {
      lock.close();
    }
    if (!failures.isEmpty()) {
      IllegalStateException failure = new IllegalStateException("the cluster was not torn down whole: " + failures.get(0).getMessage(),
          failures.get(0));
      failures.stream().skip(1).forEach(failure::addSuppressed);
      throw failure;
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (RuntimeException e) {
      System.err.println("cluster: " + e.getMessage());
    }
  }

  private static void attempt(List<RuntimeException> failures, Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
  }

  private void prepareDirectories() {
    createDirectories(SCRATCH);
    try {
      // PostgreSQL's user and QEMU's pass through it to their own directories.
      Files.setPosixFilePermissions(SCRATCH, PosixFilePermissions.fromString("rwxr-xr-x"));
      if (Files.exists(logs)) {
        ScratchDirectories.delete(logs);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot prepare " + SCRATCH + ": " + e.getMessage(), e);
    }
    createDirectories(logs);
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot make " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void copy(Path from, Path to) {
    try {
      if (Files.exists(from)) {
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot keep " + from + ": " + e.getMessage(), e);
    }
  }

  private static Path postgresDir() {
    return SCRATCH.resolve("postgres");
  }

  /** A password of this run alone: PostgreSQL's superuser's, handed to the schema job and the server in their environment only. */
  private static String newPassword() {
    String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    SecureRandom random = new SecureRandom();
    StringBuilder password = new StringBuilder();
    for (int i = 0; i < 24; i++) {
      password.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return password.toString();
  }

  private long lap(String what, long since) {
    long now = System.nanoTime();
    timings.put(what, Duration.ofNanos(now - since));
    return now;
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0);
  }
}
