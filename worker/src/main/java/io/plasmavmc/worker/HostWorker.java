package io.plasmavmc.worker;

import io.grpc.StatusRuntimeException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmWorkflowClient;
import io.plasmavmc.contract.fleet.FleetClient;
import io.plasmavmc.contract.fleet.Labels;
import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.HostFailures;
import io.plasmavmc.host.ImageActivitiesImpl;
import io.plasmavmc.host.qemu.QemuIdentity;
import io.plasmavmc.support.DaemonThreads;
import io.plasmavmc.support.PrometheusEndpoint;
import io.plasmavmc.workflow.AttemptConsoleReadWorkflowImpl;
import io.plasmavmc.workflow.ConsoleReadWorkflowImpl;
import io.plasmavmc.workflow.FleetActivitiesImpl;
import io.plasmavmc.workflow.HostWorkflowImpl;
import io.plasmavmc.workflow.HostScanWorkflowImpl;
import io.plasmavmc.workflow.ImageImportWorkflowImpl;
import io.plasmavmc.workflow.ImageStoreWorkflowImpl;
import io.plasmavmc.workflow.LifecycleTestWorkflowImpl;
import io.plasmavmc.workflow.VmOperationsImpl;
import io.plasmavmc.workflow.VmWorkflowImpl;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.ResetStickyTaskQueueRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.common.interceptors.WorkerInterceptor;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's worker: VM workflows on the shared control queue, this host's activities on
 * {@code plasmavmc-host-<hostId>}. QEMU runs in a session of its own, so stopping the worker leaves every VM
 * running; a new worker for the same host picks their workflows up where they were.
 */
public final class HostWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostWorker.class);

  private final WorkflowClient client;
  private final WorkerSettings settings;
  private WorkerFactory factory;
  private HostActivitiesImpl activities;
  private PrometheusEndpoint metrics;
  private HostReporter reporter;

  private final WorkerFactoryOptions factoryOptions;
  private final PrometheusMeterRegistry registry;

  /**
   * Every VM's workflow stays cached on its worker (a replay per task otherwise), each with its
   * threads: the SDK's defaults (600 of each) would start evicting at a few hundred VMs.
   */
  static final WorkerFactoryOptions FACTORY = WorkerFactoryOptions.newBuilder()
      .setWorkflowCacheSize(4096)
      .setMaxWorkflowThreadCount(4 * 4096)
      .build();

  public HostWorker(WorkflowClient client, WorkerSettings settings) {
    this(client, settings, FACTORY);
  }

  public HostWorker(WorkflowClient client, WorkerSettings settings, WorkerFactoryOptions factoryOptions) {
    this(client, settings, factoryOptions, new PrometheusMeterRegistry(
        PrometheusConfig.DEFAULT));
  }

  /** With the registry its meters go to (shared with the gateway and the Temporal SDK where they share a process). */
  public HostWorker(WorkflowClient client, WorkerSettings settings, PrometheusMeterRegistry registry) {
    this(client, settings, FACTORY, registry);
  }

  private HostWorker(WorkflowClient client, WorkerSettings settings, WorkerFactoryOptions factoryOptions,
      PrometheusMeterRegistry registry) {
    this.client = client;
    this.settings = settings;
    this.factoryOptions = factoryOptions;
    this.registry = registry;
  }

  /**
   * How long a VM workflow's next task waits on the sticky queue of the worker that ran it last
   * before any worker may take it (Temporal's default: 5 s). A task that was already waiting there
   * when that worker died is not moved by resetting stickiness: with the default, a QEMU that died
   * while its worker was down was seen up to 5 s after the worker's return. A cache miss on a busy
   * worker costs a replay of a short history; a VM's state lagging by seconds costs more.
   */
  static final Duration STICKY_TIMEOUT = Duration.ofSeconds(1);
  /** How long start waits for the host to be registered and placeable (Temporal unreachable: the reporter keeps trying after). */
  static final Duration REGISTRATION_WAIT = Duration.ofSeconds(20);

  public HostWorker start() {
    HostConfig config = hostConfig(settings);
    try {
      Files.createDirectories(settings.runtimeDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create runtime directory " + settings.runtimeDir(), e);
    }
    SearchAttributes.ensureRegistered(client.getWorkflowServiceStubs(), client.getOptions().getNamespace());
    activities = new HostActivitiesImpl(config, new WorkerMeters(registry, settings.hostId()));
    factory = WorkerFactory.newInstance(client, WorkerFactoryOptions.newBuilder(factoryOptions)
        .setWorkerInterceptors(withHostFailures(factoryOptions.getWorkerInterceptors())).build());
    Worker control = factory.newWorker(TaskQueues.CONTROL, WorkerOptions.newBuilder()
        .setStickyQueueScheduleToStartTimeout(STICKY_TIMEOUT)
        .setDefaultDeadlockDetectionTimeout(settings.load().deadlockDetectionTimeout().toMillis()) // see LoadSettings: not 1 s on a loaded host
        .build());
    control.registerWorkflowImplementationTypes(VmWorkflowImpl.class, HostScanWorkflowImpl.class, ConsoleReadWorkflowImpl.class,
        LifecycleTestWorkflowImpl.class, AttemptConsoleReadWorkflowImpl.class, ImageStoreWorkflowImpl.class, ImageImportWorkflowImpl.class);
    // Hosts' workflows and placement run on the control queue too: a host's workflow must outlive its host's worker.
    control.registerWorkflowImplementationTypes(HostWorkflowImpl.class);
    control.registerActivitiesImplementations(new FleetActivitiesImpl(client));
    // Lifecycle test runs drive VMs through the Temporal client, from the control queue.
    control.registerActivitiesImplementations(new VmOperationsImpl(client));
    Worker host = factory.newWorker(TaskQueues.host(settings.hostId()));
    host.registerActivitiesImplementations(activities, activities.migrations().sharingStorage(settings.labels().get(Labels.SHARED_STORAGE)),
        new ImageActivitiesImpl(config));
    WorkflowWarmUp.run(control);
    factory.start();
    reporter = new HostReporter(new FleetClient(client), HostFacts.of(settings, config, Instant.now()), HostLoadProbe.of(activities))
        .start(REGISTRATION_WAIT);
    reportWhatIsFound();
    handleOrphans();
    log.info("host worker {} started: queue {}, runtime dir {}, QEMU {} as {} (seccomp sandbox, nice {}), {} concurrent spawns at most, "
        + "image roots {}, {}, KVM {}{}",
        settings.hostId(), TaskQueues.host(settings.hostId()), settings.runtimeDir(), settings.qemuBinary(),
        config.qemuIdentity() == null ? "this worker's user" : config.qemuIdentity().name(), config.qemuNice(),
        config.limits().maxConcurrentSpawns(), settings.imageRoots(), settings.storage(),
        config.kvmUsable() ? "usable" : "not used (guests run under TCG)",
        config.kvmUsable() ? " with -cpu " + config.kvmCpuModel() : "");
    return this;
  }

  /** Host failures leave the host as stable reasons (see {@link HostFailures}). */
  private static WorkerInterceptor[] withHostFailures(WorkerInterceptor[] others) {
    WorkerInterceptor[] all = Arrays.copyOf(others == null ? new WorkerInterceptor[0] : others, (others == null ? 0 : others.length) + 1);
    all[all.length - 1] = new HostFailures();
    return all;
  }

  /**
   * Serves this host's gauges (QEMU processes, orphans) in Prometheus' format on
   * {@code http://bind:port/metrics}; port 0 picks a free one. Call after {@link #start()}.
   */
  public HostWorker serveMetrics(String bindAddress, int port) {
    metrics = new PrometheusEndpoint(bindAddress, port, registry, List.of(),
        List.of(hostGauges()));
    return this;
  }

  /**
   * The host's QEMU processes, orphans and spawn slots, as Prometheus text, computed at each scrape from one scan
   * of the runtime directory plus one describe per QEMU (cheap at a scrape every 15 s or so).
   */
  public Supplier<String> hostGauges() {
    return () -> {
      Map<String, Long> qemus = activities.runningQemus();
      return HostMetrics.render(settings.hostId(), qemus.size(), new VmWorkflowClient(client).orphansAmong(qemus).size(), activities.spawnLoad());
    };
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The port metrics are served on, or -1. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  /**
   * Tells each VM workflow of this host what the starting worker recovers (see {@code Recovery}):
   * its QEMU's state, or the exit of a QEMU that died while no worker watched. The workflow applies it (if it is news) and
   * starts a new monitor at once, instead of waiting for the dead worker's monitor to time out.
   * Exits go first (they change a VM's state; the rest only renew a monitor) and reports go out a
   * few at a time: one by one, the last of a thousand VMs would hear after a thousand round trips.
   */
  private void reportWhatIsFound() {
    List<Map.Entry<String, VmStatus>> found = activities.recover().entrySet().stream()
        .sorted(Comparator.comparing(entry -> entry.getValue().alive()))
        .toList();
    if (found.isEmpty()) {
      return;
    }
    ExecutorService senders = Executors.newFixedThreadPool(Math.min(8, found.size()), DaemonThreads.named("vm-reports"));
    try {
      found.forEach(entry -> senders.execute(() -> report(entry.getKey(), entry.getValue())));
    } finally {
      senders.shutdown();
      try {
        if (!senders.awaitTermination(2, TimeUnit.MINUTES)) {
          log.warn("host worker {}: still reporting its VMs to their workflows after 2 minutes", settings.hostId());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void report(String vmId, VmStatus status) {
    try {
      forgetStickyWorker(TaskQueues.workflowId(vmId));
      client.newUntypedWorkflowStub(TaskQueues.workflowId(vmId)).signal(HostEvent.SIGNAL,
          new HostEvent(vmId, status.pid(), HostEvent.WORKER_STARTED, status, Instant.now(), "host worker started",
              settings.hostId()));
    } catch (WorkflowNotFoundException e) {
      // no running workflow: an orphan, reported below
    } catch (RuntimeException e) {
      log.warn("VM {}: cannot report it to its workflow: {}", vmId, e.getMessage());
    }
  }

  /**
   * The workflow's next task would go to the sticky queue of the worker that ran it last, likely
   * this host's previous, dead worker, and reach a live one only after the sticky timeout:
   * Temporal is told to send it to the shared queue at once.
   */
  private void forgetStickyWorker(String workflowId) {
    try {
      client.getWorkflowServiceStubs().blockingStub().resetStickyTaskQueue(
          ResetStickyTaskQueueRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
              .build());
    } catch (StatusRuntimeException e) {
      log.debug("{}: sticky queue not reset: {}", workflowId, e.getStatus());
    }
  }

  /** Reports each orphan at start; ends it too when configured so ({@code orphans=kill}). */
  private void handleOrphans() {
    orphans().forEach((vmId, pid) -> {
      if (settings.killOrphans()) {
        log.warn("orphan: QEMU pid {} runs from {}/{} but VM {} has no running workflow; ending it (orphans=kill)",
            pid, settings.runtimeDir(), vmId, vmId);
        activities.kill(vmId);
      } else {
        log.warn("orphan: QEMU pid {} runs from {}/{} but VM {} has no running workflow; left alone "
            + "(`vmctl orphans` lists them; orphans=kill ends them at worker start)", pid, settings.runtimeDir(), vmId, vmId);
      }
    });
  }

  /** QEMU processes on this host whose VM has no running workflow (see {@link VmWorkflowClient#orphansAmong}). */
  public Map<String, Long> orphans() {
    return new VmWorkflowClient(client).orphansAmong(activities.runningQemus());
  }

  public String hostId() {
    return settings.hostId();
  }

  static HostConfig hostConfig(WorkerSettings settings) {
    QemuIdentity identity = QemuIdentity.ensure(settings.qemuUser());
    HostConfig config = switch (settings.kvm()) {
      case "off" -> HostConfig.of(settings.runtimeDir(), settings.qemuBinary(), settings.imageRoots(), false).withQemuIdentity(identity);
      case "auto", "on" -> HostConfig.probed(settings.runtimeDir(), settings.qemuBinary(), settings.imageRoots(), identity);
      default -> throw new IllegalArgumentException("kvm must be auto, on or off: " + settings.kvm());
    };
    config = config.withLimits(settings.limits()).withStorage(settings.storage()).withQemuNice(settings.load().qemuNice());
    if ("on".equals(settings.kvm()) && !config.kvmUsable()) {
      throw new IllegalStateException("kvm=on but /dev/kvm is not usable by QEMU on this host"
          + (identity == null ? "" : " (QEMU runs as " + identity.name() + ": /dev/kvm must be open to it, e.g. to the kvm group)"));
    }
    return config;
  }

  @Override
  public void close() {
    if (reporter != null) {
      reporter.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (factory != null) {
      factory.shutdown();
      try {
        factory.awaitTermination(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        Thread.currentThread().interrupt();
      }
    }
    if (activities != null) {
      activities.close();
    }
    log.info("host worker {} stopped; its VMs keep running", settings.hostId());
  }
}
