package io.plasmavmc.bench;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.ListHostsRequest;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalCredentials;
import io.plasmavmc.launcher.LocalStack;
import io.plasmavmc.worker.HostWorker;
import io.plasmavmc.worker.WorkerSettings;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two hosts on this one machine, as MigrationEndToEndTest runs them: the local stack (Temporal's
 * dev server on SQLite, host {@link #A}'s worker, the gateway) and a second host worker,
 * {@link #B}, in this JVM against the same Temporal, each with a runtime directory and storage of
 * its own inside the {@link BenchRun}'s directory, so the run's clean-up finds every QEMU of both.
 * Migrations between them go over the machine's address, as between two machines.
 */
final class TwoHosts implements AutoCloseable {
  static final String A = "bench-a";
  static final String B = "bench-b";
  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");

  private final LocalStack stack;
  private final HostWorker peer;
  private final ManagedChannel channel;
  private final BearerToken admin;
  private final Path runtimeA;
  private final Path runtimeB;

  private TwoHosts(LocalStack stack, HostWorker peer, ManagedChannel channel, BearerToken admin, Path runtimeA, Path runtimeB) {
    this.stack = stack;
    this.peer = peer;
    this.channel = channel;
    this.admin = admin;
    this.runtimeA = runtimeA;
    this.runtimeB = runtimeB;
  }

  /** Both hosts up and registered with the fleet; {@code limits}: what each admits. */
  static TwoHosts start(BenchRun run, HostLimits limits) throws IOException, InterruptedException {
    Path runtimeB = open(run.dir.resolve("run-b"));
    LocalStack stack = new LocalStack(new LocalStack.Settings(new LocalStack.TemporalSettings(freePort(), -1, run.data),
        LocalStack.ApiSettings.loopback(0, run.data.resolve("config")), A, run.runtime, QEMU, List.of(TestGuest.dir()), "auto",
        Duration.ofSeconds(15), "report").withLimits(limits).withStorage(storage(run.dir.resolve("storage-a"))));
    HostWorker peer = null;
    try {
      stack.start();
      peer = new HostWorker(stack.client(), new WorkerSettings(B, runtimeB, QEMU, List.of(TestGuest.dir()), "auto", "report",
          WorkerSettings.DEFAULT_QEMU_USER, limits, storage(run.dir.resolve("storage-b")))).start();
    } catch (RuntimeException | Error e) {
      if (peer != null) {
        peer.close();
      }
      stack.close();
      throw e;
    }
    ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + stack.grpcPort(), InsecureChannelCredentials.create()).build();
    TwoHosts hosts = new TwoHosts(stack, peer, channel, new BearerToken(LocalCredentials.readToken(run.data.resolve("config")).orElseThrow()),
        run.runtime, runtimeB);
    try {
      hosts.awaitRegistered();
    } catch (RuntimeException | InterruptedException e) {
      hosts.close();
      throw e;
    }
    return hosts;
  }

  /** The gateway, for {@link Gateways}. */
  String address() {
    return "127.0.0.1:" + stack.grpcPort();
  }

  BearerToken admin() {
    return admin;
  }

  /** The VM API, this call bounded by {@code deadline}. */
  VmServiceGrpc.VmServiceBlockingStub vms(Duration deadline) {
    return VmServiceGrpc.newBlockingStub(channel).withCallCredentials(admin).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The host API, this call bounded by {@code deadline}. */
  HostServiceGrpc.HostServiceBlockingStub hosts(Duration deadline) {
    return HostServiceGrpc.newBlockingStub(channel).withCallCredentials(admin).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The QEMUs running now in {@code hostId}'s runtime directory. */
  List<Long> qemus(String hostId) {
    return QemuProcessTable.livePidsMentioning(hostId.equals(A) ? runtimeA : runtimeB);
  }

  /** The worker registers its host as it starts, but B's start returns before the fleet may show it. */
  private void awaitRegistered() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (hosts(Duration.ofSeconds(10)).listHosts(ListHostsRequest.getDefaultInstance()).getHostsList().stream()
        .filter(host -> host.getId().equals(A) || host.getId().equals(B)).count() < 2) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("hosts " + A + " and " + B + " did not both register within 30 s");
      }
      Thread.sleep(100);
    }
  }

  /** The second worker first: it polls the stack's Temporal, which closes with the stack. */
  @Override
  public void close() {
    channel.shutdownNow();
    peer.close();
    stack.close();
  }

  /** A host's storage (images, imports, VMs' directories) under {@code root}; QEMU runs as its own user and must pass through. */
  private static HostStorage storage(Path root) throws IOException {
    HostStorage storage = HostStorage.under(open(root));
    for (Path dir : List.of(storage.imageStore(), storage.importDir(), storage.vmsDir())) {
      Files.createDirectories(dir);
    }
    return storage;
  }

  private static Path open(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    return dir;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
