package io.plasmavmc.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.gateway.GatewaySecurity;
import io.plasmavmc.gateway.GatewayServer;
import io.plasmavmc.gateway.GatewaySettings;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalCredentials;
import io.plasmavmc.launcher.TemporalCli;
import io.plasmavmc.launcher.TemporalDevServer;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The PlasmaVMC the chaos tests inject faults into: Temporal's real dev server, the host worker in
 * a JVM of its own ({@link PlasmaVmcProcess}, so it can be SIGKILLed) with scratch runtime and
 * storage directories, and a gateway in the test's process. It keeps the table of what each
 * scenario injected and how the VM ended, printed with a summary line when it closes.
 */
final class ChaosStack implements AutoCloseable {
  final String hostId;
  final Path runtime;
  /** The worker's image store, import directory and VMs' directory, under a root QEMU's user may pass through. */
  final HostStorage storage;
  final BearerToken admin;
  final TemporalDevServer temporal;
  final WorkflowServiceStubs service;
  final WorkflowClient client;
  final PlasmaVmcProcess worker;
  /** Further hosts (a migration's other end): each a worker in a JVM of its own, a runtime directory of its own, the same storage. */
  private final Map<String, Peer> peers = new LinkedHashMap<>();
  private final String title;
  private final Path temporalData;
  private final Path configDir;
  private final Path storageRoot;
  /** The VMs the scenarios made: a QEMU of one of them that GetVm names is expected, any other is an orphan. */
  private final Set<String> created = ConcurrentHashMap.newKeySet();
  private final List<String> table = new ArrayList<>();
  private final int temporalPort;
  /** The options every host worker of the stack gets beyond its own (e.g. the storage they share). */
  private final List<String> workerOptions;

  private record Peer(Path runtime, PlasmaVmcProcess worker) {}
  private int faults;
  private int completed;
  /** Scenarios recorded: one per fault, and those that check an operation without one. */
  private int rows;
  private int orphans;
  private int duplicates;
  private GatewayServer gateway;
  private ManagedChannel channel;
  private VmServiceGrpc.VmServiceBlockingStub stub;

  private ChaosStack(String title, String hostId, List<String> workerOptions) throws Exception {
    this.workerOptions = List.copyOf(workerOptions);
    this.title = title;
    this.hostId = hostId;
    runtime = Files.createTempDirectory("plasmavmc-chaos");
    temporalData = Files.createTempDirectory("plasmavmc-chaos-temporal");
    configDir = Files.createTempDirectory("plasmavmc-chaos-config");
    storageRoot = Files.createTempDirectory("plasmavmc-chaos-storage");
    // QEMU runs as its own user: it must pass through the storage root to read the store's images.
    Files.setPosixFilePermissions(storageRoot, PosixFilePermissions.fromString("rwxr-xr-x"));
    storage = HostStorage.under(storageRoot);
    LocalCredentials.ensure(configDir);
    admin = new BearerToken(LocalCredentials.readToken(configDir).orElseThrow());
    int port = freePort();
    temporalPort = port;
    temporal = TemporalDevServer.start(new TemporalDevServer.Settings(
        TemporalCli.find().orElseThrow(() -> new IllegalStateException("no Temporal CLI: run tools/install-temporal.sh")),
        port, -1, temporalData), Duration.ofSeconds(60));
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
    client = WorkflowClient.newInstance(service);
    worker = PlasmaVmcProcess.hostWorker("127.0.0.1:" + port, hostId, runtime, TestGuest.dir(), storage, this.workerOptions);
  }

  /** The stack up: its worker ready, its gateway listening; {@code title} names its table and summary line. */
  static ChaosStack start(String title, String hostId) throws Exception {
    return start(title, hostId, List.of());
  }

  /** As {@link #start(String, String)}, every host's worker given {@code workerOptions} too. */
  static ChaosStack start(String title, String hostId, List<String> workerOptions) throws Exception {
    ChaosStack stack = new ChaosStack(title, hostId, workerOptions);
    stack.worker.start();
    stack.startGateway();
    return stack;
  }

  /**
   * Starts a second host's worker, {@code hostId}, against the same Temporal and storage (the
   * hosts see the same image and VM directories, as live migration asks), its runtime directory
   * its own; waits until it is ready (registered with the fleet).
   */
  PlasmaVmcProcess addHost(String hostId) throws Exception {
    Path peerRuntime = Files.createTempDirectory("plasmavmc-chaos-" + hostId);
    PlasmaVmcProcess peer = PlasmaVmcProcess.hostWorker("127.0.0.1:" + temporalPort, hostId, peerRuntime, TestGuest.dir(), storage, workerOptions);
    peers.put(hostId, new Peer(peerRuntime, peer));
    peer.start();
    return peer;
  }

  /** The worker of host {@code id}: this stack's own, or one {@link #addHost} started. */
  PlasmaVmcProcess workerOf(String id) {
    return id.equals(hostId) ? worker : peers.get(id).worker();
  }

  /** Host {@code id}'s runtime directory, where its QEMUs run from. */
  Path runtimeOf(String id) {
    return id.equals(hostId) ? runtime : peers.get(id).runtime();
  }

  /** Every host's id, this stack's own first. */
  List<String> hostIds() {
    List<String> ids = new ArrayList<>(List.of(hostId));
    ids.addAll(peers.keySet());
    return ids;
  }

  /** The live QEMU processes of VM {@code vm} on host {@code id}. */
  List<Long> qemusOf(String vm, String id) {
    return QemuProcessTable.livePidsMentioning(runtimeOf(id).resolve(vm));
  }

  HostServiceGrpc.HostServiceBlockingStub hosts() {
    return HostServiceGrpc.newBlockingStub(channel).withCallCredentials(admin).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  void startGateway() {
    gateway = new GatewayServer(client, settings(Duration.ofSeconds(60))).start();
    channel = Grpc.newChannelBuilder("127.0.0.1:" + gateway.port(), InsecureChannelCredentials.create()).build();
    stub = VmServiceGrpc.newBlockingStub(channel).withCallCredentials(admin);
  }

  /** Drops the gateway at once, requests in flight with it (it is stateless: nothing of a VM lives there). */
  void dropGateway() {
    channel.shutdownNow();
    gateway.close();
  }

  GatewaySettings settings(Duration hostTimeout) {
    return new GatewaySettings("127.0.0.1", 0, hostId, hostTimeout, GatewaySecurity.tokens(LocalCredentials.tokensFile(configDir)));
  }

  ManagedChannel channel() {
    return channel;
  }

  /** A stub whose deadline starts now: every call gets its own two minutes. */
  VmServiceGrpc.VmServiceBlockingStub vms() {
    return stub.withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(channel).withCallCredentials(admin).withDeadlineAfter(2, TimeUnit.MINUTES);
  }

  Vm get(String name) {
    return stub.withDeadlineAfter(15, TimeUnit.SECONDS).getVm(GetVmRequest.newBuilder().setName(name).build());
  }

  /** Counts VM {@code name}'s QEMU as expected from now on. */
  void created(String name) {
    created.add(name);
  }

  /** Counts a fault injected by the test itself. */
  void fault() {
    faults++;
  }

  /**
   * Runs {@code operation} while the worker is SIGKILLed when it logs {@code trigger}, restarts
   * the worker, and checks the outcome: the operation completes, the VM ends in {@code expected}
   * with {@code qemus} QEMU processes, and no QEMU runs for a VM that should have none.
   */
  Vm killWorkerDuring(String scenario, String vm, String trigger, Supplier<Vm> operation, VmState expected, int qemus) throws Exception {
    Vm after = killWorkerAndRestart("vm-" + vm, trigger, operation);
    record(scenario, killedAt(trigger), vm, after.getState(), expected, qemus);
    return after;
  }

  /** The fault of a scenario that SIGKILLed the worker when it logged {@code trigger}, as the table shows it. */
  static String killedAt(String trigger) {
    return "worker SIGKILLed at \"" + trigger + "\"";
  }

  /**
   * Runs {@code operation} while the worker is SIGKILLed when it logs {@code trigger}, restarts the
   * worker and returns what the operation returned; recording the outcome is the caller's. Should
   * the operation not end within two minutes (an import's retry alone waits out a 30 s heartbeat
   * timeout), the history of workflow {@code workflowId} is printed.
   */
  <T> T killWorkerAndRestart(String workflowId, String trigger, Supplier<T> operation) throws Exception {
    return killWorkerAndRestart(worker, workflowId, trigger, operation);
  }

  /** As {@link #killWorkerAndRestart(String, String, Supplier)}, for the worker {@code victim} (of any host of the stack). */
  <T> T killWorkerAndRestart(PlasmaVmcProcess victim, String workflowId, String trigger, Supplier<T> operation) throws Exception {
    CompletableFuture<Void> killed = victim.killWhenItLogs(trigger);
    CompletableFuture<T> result = CompletableFuture.supplyAsync(operation);
    killed.get(60, TimeUnit.SECONDS);
    faults++;
    assertFalse(victim.alive());
    victim.start();
    try {
      return result.get(2, TimeUnit.MINUTES);
    } catch (TimeoutException e) {
      // Show where the workflow stands, for whoever reads this failure.
      client.fetchHistory(workflowId).getEvents().forEach(event ->
          System.out.println("  history of " + workflowId + ": " + event.getEventId() + " " + event.getEventType()));
      throw e;
    }
  }

  /**
   * SIGKILLs the Temporal server (not PlasmaVMC) when the worker logs {@code trigger}; its
   * supervisor starts it again on the same SQLite file, and the operation must complete from the
   * history it had written.
   */
  Vm killTemporalDuring(String trigger, Supplier<Vm> operation) throws Exception {
    return killTemporalDuring(worker, trigger, operation);
  }

  /** As {@link #killTemporalDuring(String, Supplier)}, when worker {@code logging} (of any host of the stack) logs {@code trigger}. */
  Vm killTemporalDuring(PlasmaVmcProcess logging, String trigger, Supplier<Vm> operation) throws Exception {
    long before = temporal.pid();
    CompletableFuture<Void> killed = logging.whenItLogs(trigger, () -> ProcessHandle.of(before).ifPresent(ProcessHandle::destroyForcibly));
    CompletableFuture<Vm> result = CompletableFuture.supplyAsync(operation);
    killed.get(60, TimeUnit.SECONDS);
    faults++;
    Vm vm = result.get(120, TimeUnit.SECONDS);
    assertTrue(temporal.pid() != before, "the server was restarted (pid " + before + " -> " + temporal.pid() + ")");
    return vm;
  }

  /**
   * Records a scenario's row and checks the suite's invariants: VM {@code vm} is in {@code expected}
   * with {@code qemus} QEMU processes, and no QEMU runs that GetVm names for no VM.
   */
  void record(String scenario, String fault, String vm, VmState state, VmState expected, int qemus) {
    int running = 0;
    for (String id : hostIds()) {
      running += qemusOf(vm, id).size();
    }
    duplicates += Math.max(0, running - 1);
    row(scenario, fault, state == expected, state.toString(), Integer.toString(running));
    assertEquals(expected, state, scenario);
    assertEquals(qemus, running, scenario + ": QEMU processes of " + vm);
  }

  /** As {@link #record} for a scenario that SIGKILLed the worker at {@code trigger}, the VM's state as GetVm tells it now. */
  void recordKill(String scenario, String trigger, String vm, VmState expected, int qemus) {
    record(scenario, killedAt(trigger), vm, get(vm).getState(), expected, qemus);
  }

  /** Records the row of a scenario whose operation is no VM's (an image import): it must have completed, and left no orphan QEMU. */
  void recordWithoutVm(String scenario, String fault, boolean done, String endState) {
    row(scenario, fault, done, endState, "-");
    assertTrue(done, scenario);
  }

  private void row(String scenario, String fault, boolean done, String endState, String qemus) {
    int strays = strays();
    rows++;
    if (done) {
      completed++;
    }
    orphans += strays;
    table.add(String.format("| %s | %s | %s | %s | %s | %d |", scenario, fault, done ? "yes" : "NO", endState, qemus, strays));
    assertEquals(0, strays, scenario + ": QEMU processes that belong to no VM");
  }

  /** The QEMU processes of the stack's hosts that are no VM's, as GetVm tells (its pid, on its host). */
  private int strays() {
    int strays = 0;
    for (String id : hostIds()) {
      Path hostRuntime = runtimeOf(id);
      for (long pid : QemuProcessTable.livePidsMentioning(hostRuntime)) {
        String cmd = LinuxProcesses.commandLine(pid);
        boolean expectedAlive = false;
        for (String name : created) {
          if (cmd.contains(hostRuntime.resolve(name) + "/")) {
            try {
              Vm vm = get(name);
              expectedAlive = vm.getQemuPid() == pid && vm.getHostId().equals(id);
            } catch (StatusRuntimeException e) {
              expectedAlive = false;
            }
          }
        }
        if (!expectedAlive) {
          strays++;
        }
      }
    }
    return strays;
  }

  @Override
  public void close() throws Exception {
    System.out.println();
    System.out.println("| scenario | fault injected | operation completed | end state | QEMU for the VM | orphans |");
    System.out.println("|---|---|---|---|---|---|");
    table.forEach(System.out::println);
    System.out.printf("%s: %d faults injected, %d/%d operations completed, %d orphan QEMU processes, %d duplicate QEMU processes%n",
        title, faults, completed, rows, orphans, duplicates);
    if (channel != null) {
      dropGateway();
    }
    worker.kill();
    peers.values().forEach(peer -> peer.worker().kill());
    service.shutdownNow();
    temporal.close();
    for (String id : hostIds()) {
      for (Long pid : QemuProcessTable.livePidsMentioning(runtimeOf(id))) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    peers.values().forEach(peer -> ScratchDirectories.delete(peer.runtime()));
    ScratchDirectories.delete(runtime, temporalData, configDir, storageRoot);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
