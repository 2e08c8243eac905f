package io.plasmavmc.bench;

import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.bench.FleetReport.Fleet;
import io.plasmavmc.bench.FleetReport.Listing;
import io.plasmavmc.bench.FleetReport.OneAtATime;
import io.plasmavmc.bench.PlacementTimes.Placement;
import io.plasmavmc.cluster.ClusterHarness;
import io.plasmavmc.cluster.ClusterOptions;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.support.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;

/**
 * Fleet figures, in one run: CreateVm one at a time on the dev server (SQLite, one host, in this
 * JVM) and on the production topology ({@link ClusterHarness}: PostgreSQL, Temporal's server, three
 * hosts in network namespaces, two gateways), with placement's time read from the VMs' histories;
 * then on the cluster {@code -Dvms} VMs created side by side from {@code -Dclients} client threads
 * through both gateways (their failures and their spread over the hosts), GetVm and ListVms with
 * them all in the fleet, and their deletion side by side. Every VM is a small one left paused
 * (start=false: QEMU spawned, no guest booted), so that hundreds fit on a 2-core machine and the
 * figures are PlasmaVMC's, not the guests'. Run: {@code tools/bench-fleet.sh}.
 */
public final class FleetBenchmark {
  /** As ClusterEndToEndTest creates its fleet: the test guest's kernel, 64 MiB, 1 vCPU, TCG, no network. */
  private static final VmSpec SMALL_GUEST = VmSpec.newBuilder().setMemoryMib(64).setVcpus(1).setAccelerator(Accelerator.ACCELERATOR_TCG)
      .setKernel(TestGuest.kernel().toString()).setInitrd(TestGuest.graceful().toString()).setKernelCmdline(TestGuest.CMDLINE)
      .setNoNetwork(true).build();
  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);

  /** The run's sizes, as Java system properties. */
  record Settings(int vms, int clients, int samples, int warmup, int getSamples, int listSamples) {
    static Settings fromSystemProperties() {
      return new Settings(Integer.getInteger("vms", 300), Integer.getInteger("clients", 30), Integer.getInteger("samples", 50),
          Integer.getInteger("warmup", 5), Integer.getInteger("getSamples", 300), Integer.getInteger("listSamples", 20));
    }

    /**
     * Room on each host for twice its share of the fleet (or of the one-at-a-time VMs): the hosts'
     * default CPU allocation ratio admits 8 1-vCPU VMs on 2 cores, and the fleet's spread should
     * be placement's choice, not a limit's.
     */
    int roomPerHost() {
      int share = (vms + ClusterHarness.HOST_IDS.size() - 1) / ClusterHarness.HOST_IDS.size();
      return 2 * Math.max(share, warmup + samples);
    }
  }

  public static void main(String[] args) throws Exception {
    Settings settings = Settings.fromSystemProperties();
    Optional<String> cannot = ClusterHarness.cannotRunHere();
    if (cannot.isPresent()) {
      System.err.println("bench-fleet: the cluster cannot run here: " + cannot.get());
      System.exit(2);
    }
    if (!Files.isRegularFile(TestGuest.kernel()) || !Files.isRegularFile(TestGuest.graceful())) {
      System.err.println("bench-fleet: no test guest in " + TestGuest.dir() + ": build it with tools/guest/build.sh");
      System.exit(2);
    }
    int room = settings.roomPerHost();
    int cpus = Runtime.getRuntime().availableProcessors();
    String setting = String.format("%d VMs of 64 MiB, 1 vCPU, TCG, the test guest's kernel, start=false (QEMU spawned paused); "
        + "%d client threads; each host admits %d VMs; %d CPUs, load average at the start %s", settings.vms(), settings.clients(), room, cpus,
        MachineLoad.now());

    OneAtATime dev;
    try (DevServer server = DevServer.start(new HostLimits(List.of("127.0.0.1"), 1024, 65535, room, 1.5, Math.ceil((double) room / cpus)));
        Gateways gateways = new Gateways(List.of(server.address()), server.admin())) {
      System.out.println("bench-fleet: dev server up at " + server.address());
      dev = oneAtATime("dev", gateways, server.temporal(), settings, server::qemuCount);
    }

    OneAtATime oneByOne;
    Fleet fleet;
    try (ClusterHarness cluster = ClusterHarness.start(new ClusterOptions(Math.ceil((double) room / cpus), room));
        Gateways gateways = new Gateways(cluster.gatewayAddresses(), cluster.admin())) {
      WorkflowServiceStubs service = TemporalConnection.plain(cluster.temporalAddress()).connect(null);
      try {
        WorkflowClient temporal = WorkflowClient.newInstance(service);
        IntSupplier qemus = () -> qemusPerHost(cluster).values().stream().mapToInt(Integer::intValue).sum();
        oneByOne = oneAtATime("cluster", gateways, temporal, settings, qemus);
        fleet = fleet(cluster, gateways, temporal, settings, qemus);
      } finally {
        service.shutdownNow();
      }
    }

    FleetReport.print(setting + "; at the end " + MachineLoad.now(), dev, oneByOne, fleet);
    int problems = dev.failures() + dev.qemusLeft() + oneByOne.failures() + oneByOne.qemusLeft() + fleet.created().failures().size()
        + fleet.deleted().failures().size() + fleet.qemusLeft();
    if (problems > 0) {
      System.out.println("bench-fleet: FAILED: failures or QEMUs left (see above); the figures are not to be published");
    }
    System.exit(problems > 0 ? 1 : 0);
  }

  /**
   * {@code -Dwarmup} VMs, then {@code -Dsamples} created one after another (through the gateways in
   * turn) and timed; their placement read from their histories; then all deleted side by side.
   */
  private static OneAtATime oneAtATime(String stack, Gateways gateways, WorkflowClient temporal, Settings settings, IntSupplier qemus)
      throws InterruptedException {
    Burst.Result warm = Burst.run(gateways, names(stack + "-warm-", settings.warmup()), 1, FleetBenchmark::create);
    Burst.Result timed = Burst.run(gateways, names(stack + "-one-", settings.samples()), 1, FleetBenchmark::create);
    List<Placement> placements = PlacementTimes.read(temporal, timed.succeeded());
    List<String> created = new ArrayList<>(warm.succeeded());
    created.addAll(timed.succeeded());
    Burst.Result deleted = Burst.run(gateways, created, settings.clients(), FleetBenchmark::delete);
    int failures = reportFailures(stack + " create", warm) + reportFailures(stack + " create", timed)
        + reportFailures(stack + " delete", deleted);
    cleanUpFailed(gateways, warm, timed);
    int left = awaitQemus(qemus);
    System.out.printf("bench-fleet: %s: %d VMs created one at a time (CreateVm %s), %d placements read, deleted; %d QEMUs left%n", stack,
        timed.succeeded().size(), Latencies.of(timed.millis()).text(), placements.size(), left);
    return new OneAtATime(settings.samples(), Latencies.of(timed.millis()), Latencies.of(placements.stream().map(Placement::totalMillis).toList()),
        Latencies.of(placements.stream().map(Placement::runMillis).toList()), failures, left);
  }

  /** The fleet on the cluster: created side by side through both gateways, read, deleted side by side. */
  private static Fleet fleet(ClusterHarness cluster, Gateways gateways, WorkflowClient temporal, Settings settings, IntSupplier qemus)
      throws InterruptedException {
    Burst.Result created = Burst.run(gateways, names("fleet-", settings.vms()), settings.clients(), FleetBenchmark::create);
    reportFailures("fleet create", created);
    Map<String, Integer> running = qemusPerHost(cluster);
    System.out.printf("bench-fleet: cluster: %d VMs created side by side in %.1f s, %d failures; placed %s, QEMUs %s%n",
        created.succeeded().size(), created.seconds(), created.failures().size(), created.spread(), running);
    List<String> fleet = created.succeeded();
    Latencies placement = Latencies.of(PlacementTimes.read(temporal, fleet).stream().map(Placement::totalMillis).toList());
    awaitListed(gateways, Math.min(fleet.size(), 500));
    Latencies get = gets(gateways, fleet, settings.getSamples());
    Listing firstPage = list(gateways, 50, settings.listSamples());
    Listing wholePage = list(gateways, 500, settings.listSamples());
    Burst.Result deleted = Burst.run(gateways, fleet, settings.clients(), FleetBenchmark::delete);
    reportFailures("fleet delete", deleted);
    cleanUpFailed(gateways, created);
    int left = awaitQemus(qemus);
    System.out.printf("bench-fleet: cluster: %d VMs deleted side by side in %.1f s; %d QEMUs left%n", deleted.succeeded().size(),
        deleted.seconds(), left);
    return new Fleet(settings.vms(), settings.clients(), gateways.count(), created, running, placement, get, firstPage, wholePage,
        deleted, left);
  }

  private static Vm create(VmServiceGrpc.VmServiceBlockingStub vms, String name) {
    return expect(vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(SMALL_GUEST).setStart(false).build()),
        VmState.VM_STATE_CREATED);
  }

  private static Vm delete(VmServiceGrpc.VmServiceBlockingStub vms, String name) {
    return expect(vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build()).getVm(), VmState.VM_STATE_DELETED);
  }

  private static Vm expect(Vm vm, VmState state) {
    if (vm.getState() != state) {
      throw new IllegalStateException(vm.getName() + " is " + vm.getState() + " (" + vm.getStateReason() + "), expected " + state);
    }
    return vm;
  }

  /** GetVm of the fleet's VMs in turn, through either gateway, after a few untimed calls. */
  private static Latencies gets(Gateways gateways, List<String> names, int samples) {
    List<Double> millis = new ArrayList<>();
    for (int i = -20; i < samples && !names.isEmpty(); i++) {
      GetVmRequest request = GetVmRequest.newBuilder().setName(names.get(Math.floorMod(i, names.size()))).build();
      long began = System.nanoTime();
      gateways.vms(i).getVm(request);
      if (i >= 0) {
        millis.add((System.nanoTime() - began) / 1e6);
      }
    }
    return Latencies.of(millis);
  }

  /** The first page of ListVms (all VMs, no filter) of {@code pageSize}, after two untimed calls. */
  private static Listing list(Gateways gateways, int pageSize, int samples) {
    List<Double> millis = new ArrayList<>();
    int listed = 0;
    for (int i = -2; i < samples; i++) {
      long began = System.nanoTime();
      listed = gateways.vms(i).listVms(ListVmsRequest.newBuilder().setPageSize(pageSize).build()).getVmsCount();
      if (i >= 0) {
        millis.add((System.nanoTime() - began) / 1e6);
      }
    }
    return new Listing(pageSize, Latencies.of(millis), listed);
  }

  /** ListVms reads Temporal's visibility store, which lags the workflows a little: waits until it shows the fleet. */
  private static void awaitListed(Gateways gateways, int expected) throws InterruptedException {
    long end = System.nanoTime() + SETTLE_LIMIT.toNanos();
    int listed = 0;
    while (System.nanoTime() < end) {
      listed = gateways.vms(0).listVms(ListVmsRequest.newBuilder().setPageSize(500).build()).getVmsCount();
      if (listed >= expected) {
        return;
      }
      Thread.sleep(500);
    }
    System.out.println("bench-fleet: ListVms shows " + listed + " of " + expected + " VMs after " + SETTLE_LIMIT.toSeconds() + " s");
  }

  /** Waits (bounded) until no QEMU is left; returns how many are. */
  private static int awaitQemus(IntSupplier qemus) throws InterruptedException {
    long end = System.nanoTime() + SETTLE_LIMIT.toNanos();
    int left = qemus.getAsInt();
    while (left > 0 && System.nanoTime() < end) {
      Thread.sleep(250);
      left = qemus.getAsInt();
    }
    return left;
  }

  private static Map<String, Integer> qemusPerHost(ClusterHarness cluster) {
    Map<String, Integer> qemus = new TreeMap<>();
    ClusterHarness.HOST_IDS.forEach(host -> qemus.put(host, cluster.qemuPids(host).size()));
    return qemus;
  }

  /** A create that failed (a deadline, say) may still have made its VM: deleted too, best effort, and not timed. */
  private static void cleanUpFailed(Gateways gateways, Burst.Result... creates) throws InterruptedException {
    List<String> failed = new ArrayList<>();
    for (Burst.Result create : creates) {
      create.failures().forEach(outcome -> failed.add(outcome.name()));
    }
    Burst.run(gateways, failed, 8, FleetBenchmark::delete);
  }

  /** Prints the first few failures of a burst; returns how many there were. */
  private static int reportFailures(String what, Burst.Result result) {
    result.failures().stream().limit(5).forEach(o -> System.out.println("bench-fleet: " + what + " " + o.name() + ": " + o.failure()));
    if (result.failures().size() > 5) {
      System.out.println("bench-fleet: " + what + ": " + (result.failures().size() - 5) + " more failures");
    }
    return result.failures().size();
  }

  private static List<String> names(String prefix, int count) {
    return IntStream.range(0, count).mapToObj(i -> prefix + i).toList();
  }
}
