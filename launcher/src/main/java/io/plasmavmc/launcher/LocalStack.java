package io.plasmavmc.launcher;

import com.uber.m3.tally.Scope;
import com.uber.m3.tally.ScopeCloseException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.plasmavmc.gateway.GatewaySecurity;
import io.plasmavmc.gateway.GatewayServer;
import io.plasmavmc.gateway.GatewaySettings;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.support.PrometheusEndpoint;
import io.plasmavmc.support.TemporalConnection;
import io.plasmavmc.worker.HostWorker;
import io.plasmavmc.worker.LoadSettings;
import io.plasmavmc.worker.WorkerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything of PlasmaVMC on a single machine: a Temporal server (by default Temporal's real dev
 * server, keeping every VM's history in a SQLite file, with its Web UI), one host worker and the
 * gRPC gateway. Killed and started again on the same data directory, it finds every VM as it was.
 */
public final class LocalStack implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

  /**
   * The Temporal CLI's dev server: its gRPC port, its Web UI's ({@code uiPort} &lt; 0: none), and
   * the directory of its SQLite file. Without the CLI the stack does not start: there is no
   * server that would lose every VM's workflow at the next stop.
   */
  public record TemporalSettings(int port, int uiPort, Path dataDir) {}

  /**
   * The gRPC API: its address and port (0: any free one), the directory of its credentials (see
   * {@link LocalCredentials}), and optionally TLS ({@code tlsCert}, {@code tlsKey}) and mutual TLS
   * ({@code clientCa}).
   */
  public record ApiSettings(String bindAddress, int port, Path configDir, Path tlsCert, Path tlsKey, Path clientCa, int metricsPort) {
    public static ApiSettings loopback(int port, Path configDir) {
      return new ApiSettings("127.0.0.1", port, configDir, null, null, null, -1);
    }

    /** The same, with Prometheus metrics on 127.0.0.1:{@code metricsPort} (0: any free port). */
    public ApiSettings withMetrics(int metricsPort) {
      return new ApiSettings(bindAddress, port, configDir, tlsCert, tlsKey, clientCa, metricsPort);
    }
  }

  /**
   * {@code storage}: the host's image store, import and VMs' directories (null: under /var/lib/plasmavmc);
   * {@code address} and {@code labels}: the host as the fleet shows it (null address: its primary one);
   * {@code load}: how the worker keeps up on a loaded host (null: {@link LoadSettings#defaults()}).
   */
  public record Settings(TemporalSettings temporal, ApiSettings api, String hostId, Path runtimeDir, Path qemuBinary,
      List<Path> imageRoots, String kvm, Duration hostTaskTimeout, String orphans, String qemuUser, HostLimits limits,
      HostStorage storage, String address, Map<String, String> labels, LoadSettings load) {
    public Settings(TemporalSettings temporal, ApiSettings api, String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots,
        String kvm, Duration hostTaskTimeout, String orphans) {
      this(temporal, api, hostId, runtimeDir, qemuBinary, imageRoots, kvm, hostTaskTimeout, orphans, null, null, null, null, null, null);
    }

    public Settings(TemporalSettings temporal, ApiSettings api, String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots,
        String kvm, Duration hostTaskTimeout, String orphans, String qemuUser, HostLimits limits, HostStorage storage) {
      this(temporal, api, hostId, runtimeDir, qemuBinary, imageRoots, kvm, hostTaskTimeout, orphans, qemuUser, limits, storage, null, null,
          null);
    }

    public Settings withStorage(HostStorage value) {
      return new Settings(temporal, api, hostId, runtimeDir, qemuBinary, imageRoots, kvm, hostTaskTimeout, orphans, qemuUser, limits, value,
          address, labels, load);
    }

    public Settings withLimits(HostLimits value) {
      return new Settings(temporal, api, hostId, runtimeDir, qemuBinary, imageRoots, kvm, hostTaskTimeout, orphans, qemuUser, value, storage,
          address, labels, load);
    }

    public Settings withFleet(String hostAddress, Map<String, String> hostLabels) {
      return new Settings(temporal, api, hostId, runtimeDir, qemuBinary, imageRoots, kvm, hostTaskTimeout, orphans, qemuUser, limits, storage,
          hostAddress, hostLabels, load);
    }

    public Settings withLoad(LoadSettings value) {
      return new Settings(temporal, api, hostId, runtimeDir, qemuBinary, imageRoots, kvm, hostTaskTimeout, orphans, qemuUser, limits, storage,
          address, labels, value);
    }
  }

  private final Settings settings;
  private TemporalServer temporal;
  private WorkflowServiceStubs service;
  private WorkflowClient client;
  /** Worker, gateway and Temporal SDK meters in one registry: one process, one scrape. */
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private PrometheusEndpoint metrics;
  private HostWorker worker;
  private GatewayServer gateway;

  public LocalStack(Settings settings) {
    this.settings = settings;
  }

  public LocalStack start() {
    GatewaySettings.checkExposure(settings.api().bindAddress(), settings.api().tlsCert() != null); // before anything starts
    temporal = startTemporal(settings.temporal());
    service = TemporalConnection.plain(temporal.address()).connect(registry);
    client = WorkflowClient.newInstance(service);
    worker = new HostWorker(client, new WorkerSettings(settings.hostId(), settings.runtimeDir(), settings.qemuBinary(),
        settings.imageRoots(), settings.kvm(), settings.orphans(), settings.qemuUser(), settings.limits(), settings.storage())
        .withFleet(settings.address(), settings.labels()).withLoad(settings.load()), registry).start();
    ApiSettings api = settings.api();
    GatewaySettings gatewaySettings = new GatewaySettings(api.bindAddress(), api.port(), worker.hostId(), settings.hostTaskTimeout(),
        new GatewaySecurity(LocalCredentials.ensure(api.configDir()), api.tlsCert(), api.tlsKey(), api.clientCa()));
    gateway = new GatewayServer(client, gatewaySettings, registry).start();
    if (api.metricsPort() >= 0) {
      metrics = new PrometheusEndpoint("127.0.0.1", api.metricsPort(), registry, List.of(gateway::refreshGauges),
          List.of(worker.hostGauges()));
    }
    return this;
  }

  static TemporalServer startTemporal(TemporalSettings settings) {
    Path binary = TemporalCli.find().orElseThrow(() -> new IllegalStateException("no Temporal CLI found ($PLASMAVMC_TEMPORAL, "
        + "`temporal` on PATH, " + TemporalCli.cached() + "). Run tools/install-temporal.sh: it builds the CLI with Go (on Debian 12 "
        + "it installs golang-1.23-go from bookworm-backports first), or put Temporal's own `temporal` binary on PATH"));
    log.info("starting the Temporal dev server: {} ({})", binary, TemporalCli.version(binary));
    return TemporalDevServer.start(new TemporalDevServer.Settings(binary, settings.port(), settings.uiPort(), settings.dataDir()),
        Duration.ofSeconds(60));
  }

  /** The Temporal client the worker and the gateway share. */
  public WorkflowClient client() {
    return client;
  }

  public TemporalServer temporal() {
    return temporal;
  }

  public int grpcPort() {
    return gateway.port();
  }

  public String hostId() {
    return worker.hostId();
  }

  /** QEMU processes of this host that no VM workflow owns (see HostWorker#orphans). */
  public Map<String, Long> orphans() {
    return worker.orphans();
  }

  /** Stops the worker alone, as a crash or restart of the host's worker would (its VMs keep running). */
  public void stopWorker() {
    worker.close();
  }

  /** The port metrics are served on, or -1. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  /**
   * The Temporal SDK's metrics scope reports from a thread of its own (tally's reportEvery), which
   * is not a daemon and ends only when the scope is closed; shutting the stubs down leaves it
   * running. Left open, it kept every JVM whose main had returned alive (tools/bench-lifecycle.sh
   * never exited).
   */
  private static void closeMetricsScope(Scope scope) {
    if (scope == null) {
      return;
    }
    try {
      scope.close();
    } catch (ScopeCloseException | RuntimeException e) {
      log.warn("could not close the Temporal SDK's metrics scope ({}); its reporting thread may keep this JVM alive", e.toString());
    }
  }

  @Override
  public void close() {
    if (metrics != null) {
      metrics.close();
    }
    if (gateway != null) {
      gateway.close();
    }
    if (worker != null) {
      worker.close();
    }
    if (service != null) {
      service.shutdownNow();
      closeMetricsScope(service.getOptions().getMetricsScope());
    }
    if (temporal != null) {
      temporal.close();
    }
  }
}
