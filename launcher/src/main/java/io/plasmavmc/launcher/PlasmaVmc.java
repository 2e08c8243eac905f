package io.plasmavmc.launcher;

import io.plasmavmc.cli.GuestImages;
import io.plasmavmc.contract.fleet.Labels;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.gateway.GatewayApplication;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.support.TemporalConnection;
import io.plasmavmc.worker.HostWorker;
import io.plasmavmc.worker.LoadSettings;
import io.plasmavmc.worker.WorkerApplication;
import io.plasmavmc.worker.WorkerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code plasmavmc up}: runs a Temporal server (by default the real dev server, a child process),
 * a host worker and the gRPC gateway until Ctrl-C.
 */
public final class PlasmaVmc {
  private PlasmaVmc() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("worker")) {
      WorkerApplication.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (args.length > 0 && args[0].equals("host-worker")) {
      hostWorker(new Options(args, 1));
      return;
    }
    if (args.length > 0 && args[0].equals("gateway")) {
      GatewayApplication.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (args.length == 0 || !args[0].equals("up")) {
      System.err.println(usage());
      System.exit(args.length == 0 || args[0].equals("--help") || args[0].equals("help") ? 0 : 2);
    }
    Options options = new Options(args, 1, "--no-ui");
    String home = System.getProperty("user.home");
    Path guestCache = GuestImages.dir();
    List<Path> roots = imageRoots(options);
    if (roots.isEmpty()) {
      roots.add(Path.of("/var/lib/plasmavmc/images"));
      roots.add(guestCache);
    }
    // Only Temporal's dev server remains; scripts that name it keep working.
    if (!options.value("--temporal", "dev").equals("dev")) {
      System.err.println("plasmavmc: --temporal takes only dev: the in-memory server is gone (it lost every VM's workflow at each stop)");
      System.exit(2);
    }
    int temporalPort = options.integer("--temporal-port", 7233);
    LocalStack.Settings settings = new LocalStack.Settings(
        new LocalStack.TemporalSettings(
            temporalPort,
            options.flag("--no-ui") ? -1 : options.integer("--ui-port", temporalPort + 1000),
            Path.of(options.value("--data-dir", defaultDataDir(home)))),
        new LocalStack.ApiSettings(options.value("--bind", "127.0.0.1"), options.integer("--grpc-port", 9090),
            Path.of(options.value("--config-dir", LocalCredentials.defaultDir().toString())), path(options, "--tls-cert"),
            path(options, "--tls-key"), path(options, "--client-ca"), options.integer("--metrics-port", -1)),
        options.value("--host-id", null),
        Path.of(options.value("--runtime-dir", defaultRuntimeDir(home))),
        Path.of(options.value("--qemu", "/usr/bin/qemu-system-x86_64")),
        roots,
        options.value("--kvm", "auto"),
        Duration.ofSeconds(options.integer("--host-timeout", 15)),
        options.value("--orphans", "report"),
        options.value("--qemu-user", WorkerSettings.DEFAULT_QEMU_USER),
        limits(options),
        storage(options, home)).withFleet(options.value("--address", null), labels(options)).withLoad(load(options));
    options.rejectUnknown();

    LocalStack stack = new LocalStack(settings);
    try {
      stack.start();
    } catch (RuntimeException e) {
      System.err.println("plasmavmc: cannot start: " + e.getMessage());
      stack.close();
      System.exit(1);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("plasmavmc: stopping (VMs keep running; each QEMU runs in its own session)");
      stack.close();
      stopped.countDown();
    }, "plasmavmc-shutdown"));
    System.out.printf("%nplasmavmc is up%n"
        + "  %s%n"
        + "  gRPC gateway                    %s:%d   (plasmavmc.v1.VmService, reflection, health; %s)%n"
        + "  API token (admin)               %s   (vmctl reads it; grpcurl -H \"authorization: Bearer $(cat %s)\")%n"
        + "  host worker                     %s        (queue plasmavmc-host-%s, runtime dir %s)%n"
        + "  image roots                     %s%n"
        + "Try: ./vmctl create demo --test-guest graceful --start --wait%n"
        + "Ctrl-C stops PlasmaVMC; VMs keep running%s.%n%n",
        stack.temporal().summary(), settings.api().bindAddress(), stack.grpcPort(),
        settings.api().tlsCert() == null ? "plaintext, loopback only" : settings.api().clientCa() == null ? "TLS" : "mutual TLS",
        LocalCredentials.tokenFile(settings.api().configDir()), LocalCredentials.tokenFile(settings.api().configDir()),
        stack.hostId(), stack.hostId(), settings.runtimeDir(), roots,
        " and are found again at the next start");
    stopped.await();
  }

  /** A host worker without Spring, for a quick start (the chaos tests restart it many times). */
  private static void hostWorker(Options options) throws InterruptedException {
    List<Path> roots = imageRoots(options);
    WorkflowServiceStubs service =
        TemporalConnection.plain(options.value("--temporal-address", "127.0.0.1:7233")).connect(null);
    HostWorker worker = new HostWorker(WorkflowClient.newInstance(service),
        new WorkerSettings(options.value("--host-id", null),
            Path.of(options.value("--runtime-dir", defaultRuntimeDir(System.getProperty("user.home")))),
            Path.of(options.value("--qemu", "/usr/bin/qemu-system-x86_64")), roots.isEmpty() ? null : roots,
            options.value("--kvm", "auto"), options.value("--orphans", "report"),
            options.value("--qemu-user", WorkerSettings.DEFAULT_QEMU_USER), limits(options),
            storage(options, System.getProperty("user.home"))).withFleet(options.value("--address", null), labels(options))
            .withLoad(load(options)));
    int metricsPort = options.integer("--metrics-port", -1);
    options.rejectUnknown();
    worker.start();
    if (metricsPort >= 0) {
      worker.serveMetrics("127.0.0.1", metricsPort);
    }
    System.out.println("host worker ready");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      worker.close();
      service.shutdown();
      stopped.countDown();
    }));
    stopped.await();
  }

  /**
   * --max-vms, --memory-overcommit, --cpu-allocation-ratio, --max-concurrent-spawns, --forward-address (repeatable),
   * --forward-ports A-B: this host's limits.
   */
  private static HostLimits limits(Options options) {
    HostLimits defaults = HostLimits.defaults();
    List<String> addresses = options.all("--forward-address");
    String[] ports = options.value("--forward-ports", defaults.minForwardPort() + "-" + defaults.maxForwardPort()).split("-", 2);
    String overcommit = options.value("--memory-overcommit", Double.toString(defaults.memoryOvercommit()));
    String cpuRatio = options.value("--cpu-allocation-ratio", Double.toString(defaults.cpuAllocationRatio()));
    try {
      return new HostLimits(addresses.isEmpty() ? defaults.forwardAddresses() : addresses,
          Integer.parseInt(ports[0].trim()), Integer.parseInt(ports[ports.length - 1].trim()),
          options.integer("--max-vms", defaults.maxVms()), Double.parseDouble(overcommit), Double.parseDouble(cpuRatio),
          options.integer("--max-concurrent-spawns", defaults.maxConcurrentSpawns()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--forward-ports takes FIRST-LAST, --memory-overcommit and --cpu-allocation-ratio a number", e);
    }
  }

  /** --qemu-nice N, --deadlock-detection-timeout S: how the worker keeps up on a host its guests load. */
  private static LoadSettings load(Options options) {
    LoadSettings defaults = LoadSettings.defaults();
    return new LoadSettings(options.integer("--qemu-nice", defaults.qemuNice()),
        Duration.ofSeconds(options.integer("--deadlock-detection-timeout", (int) defaults.deadlockDetectionTimeout().toSeconds())));
  }

  /** --label KEY=VALUE (repeatable): what placement constraints match on this host. */
  private static Map<String, String> labels(Options options) {
    try {
      return Labels.parse(options.all("--label"), "--label");
    } catch (InvalidSpecException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * --image-store, --import-dir, --vms-dir, --artifacts-dir: where the host keeps images, VMs' own
   * disks and lifecycle test runs' artifacts. Root keeps them under /var/lib/plasmavmc; a user under
   * its own data directory (XDG).
   */
  private static HostStorage storage(Options options, String home) {
    HostStorage defaults;
    if ("root".equals(System.getProperty("user.name"))) {
      defaults = HostStorage.defaults();
    } else {
      String xdg = System.getenv("XDG_DATA_HOME");
      defaults = HostStorage.under(Path.of(xdg != null && !xdg.isBlank() ? xdg : home + "/.local/share", "plasmavmc"));
    }
    return new HostStorage(pathOr(options, "--image-store", defaults.imageStore()), pathOr(options, "--import-dir", defaults.importDir()),
        pathOr(options, "--vms-dir", defaults.vmsDir()), pathOr(options, "--artifacts-dir", defaults.artifactsDir()));
  }

  private static Path pathOr(Options options, String name, Path fallback) {
    Path value = path(options, name);
    return value == null ? fallback : value;
  }

  private static Path path(Options options, String name) {
    String value = options.value(name, null);
    return value == null ? null : Path.of(value);
  }

  private static List<Path> imageRoots(Options options) {
    List<Path> roots = new ArrayList<>();
    for (String root : options.all("--image-root")) {
      roots.add(Path.of(root));
    }
    return roots;
  }

  /** Temporal's SQLite file and log live in the user's state directory (XDG), like other local services' state. */
  private static String defaultDataDir(String home) {
    String xdg = System.getenv("XDG_STATE_HOME");
    return (xdg != null && !xdg.isBlank() ? xdg : home + "/.local/state") + "/plasmavmc";
  }

  private static String defaultRuntimeDir(String home) {
    // Root keeps VMs under /run like libvirt does; a user keeps them in its own runtime dir.
    if ("root".equals(System.getProperty("user.name"))) {
      return "/run/plasmavmc";
    }
    String xdg = System.getenv("XDG_RUNTIME_DIR");
    return xdg != null && !xdg.isBlank() ? xdg + "/plasmavmc" : home + "/.local/state/plasmavmc/run";
  }

  static String usage() {
    return """
        usage: plasmavmc up [options]        everything on this machine: Temporal's dev server, a host worker, the gateway
               plasmavmc worker [--plasmavmc.*=...]   a host worker against a Temporal cluster
               plasmavmc gateway [--plasmavmc.*=...]  the gRPC gateway against a Temporal cluster
               plasmavmc host-worker [--temporal-address HOST:PORT] [options of up]
                                     [--metrics-port N]
                                      a host worker without Spring (starts in about a second)
        options of up:
          --grpc-port N        gateway port (default 9090)
          --bind ADDRESS       gateway address (default 127.0.0.1; another address needs TLS)
          --config-dir DIR     the API's credentials: admin.token (made on first start, read by vmctl) and the
                               gateway's tokens file (default ~/.config/plasmavmc)
          --tls-cert FILE --tls-key FILE   serve the API over TLS (PEM certificate chain and PKCS#8 key)
          --client-ca FILE     also accept client certificates signed by this CA (mutual TLS; OU = role)
          --data-dir DIR       the dev server's SQLite file and log (default ~/.local/state/plasmavmc)
          --temporal-port N    Temporal's gRPC port (default 7233)
          --ui-port N          Temporal Web UI port (default Temporal's port + 1000: 8233)
          --no-ui              no Temporal Web UI
          --metrics-port N     Prometheus metrics on 127.0.0.1:N/metrics (default off)
          --host-id ID         this host's id (default: the host name)
          --runtime-dir DIR    VM runtime directories (default /run/plasmavmc as root)
          --image-store DIR    base images VMs' disks are made from (default /var/lib/plasmavmc/images as root)
          --import-dir DIR     the only place images are imported from (default /var/lib/plasmavmc/import as root)
          --vms-dir DIR        each VM's own disks and cloud-init seed (default /var/lib/plasmavmc/vms as root)
          --artifacts-dir DIR  lifecycle test runs' kept consoles, the newest 50 runs' (default
                               /var/lib/plasmavmc/test-runs as root)
          --image-root DIR     a directory guests may take kernels and disks from (repeatable;
                               default /var/lib/plasmavmc/images and the test guest's directory:
                               /var/cache/plasmavmc/guest as root, else ~/.cache/plasmavmc/guest)
          --qemu PATH          QEMU binary (default /usr/bin/qemu-system-x86_64)
          --kvm auto|on|off    KVM use (default auto: KVM where /dev/kvm works)
          --host-timeout S     how long an operation waits for this host's worker (default 15)
          --orphans report|kill  QEMU processes no VM owns: report them (default) or end them at start
          --max-vms N          VMs this host runs at most (default 1000); past it CreateVm is RESOURCE_EXHAUSTED
          --memory-overcommit R  VM memory may reach the host's memory times R (default 1.5)
          --cpu-allocation-ratio R  VMs' vCPUs may reach the host's CPUs times R (default 4)
          --max-concurrent-spawns N  QEMUs starting at once at most (default: one per CPU, at least 2); more wait their
                               turn, and one that waits past its creation's deadline is refused RESOURCE_EXHAUSTED (HOST_BUSY)
          --qemu-nice N        QEMU's nice value, 0-19 (default 19): a host full of guests leaves its worker the CPU to keep up
          --deadlock-detection-timeout S  how long a workflow task may hold its thread before the SDK calls it a
                               deadlock (default 10; the SDK's own 1 s is too short on a loaded host)
          --address ADDRESS    this host's address as the fleet shows it (default: the address of its default route)
          --label KEY=VALUE    a label of this host, which placement's --label constraints match (repeatable)
          --forward-address IP addresses port forwards may listen on (repeatable; default 127.0.0.1 only)
          --forward-ports A-B  host ports port forwards may use (default 1024-65535)
          --qemu-user NAME     the unprivileged user QEMU runs as when PlasmaVMC runs as root
                               (default plasmavmc-qemu, made where missing; it must be able to read the image roots)
        """;
  }
}
