package io.plasmavmc.e2e;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalCredentials;
import io.plasmavmc.launcher.LocalStack;
import io.plasmavmc.launcher.TemporalDevServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * PlasmaVMC as `plasmavmc up` runs it (Temporal's dev server, worker, gateway), on free ports, with
 * a private runtime directory, a SQLite file and the host's storage of its own (for the
 * end-to-end tests and the benchmarks that go through the API). Closed, it leaves no QEMU and no
 * directory.
 */
public final class PlasmaVmcHarness implements AutoCloseable {
  public final Path runtimeDir;
  final Path dataDir;
  /** The API's credentials: admin.token and the gateway's tokens file, as `plasmavmc up` makes them. */
  public final Path configDir;
  public final BearerToken admin;
  public final LocalStack stack;
  public final ManagedChannel channel;
  public final VmServiceGrpc.VmServiceBlockingStub vms;
  public final ImageServiceGrpc.ImageServiceBlockingStub images;
  public final LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub tests;
  final int temporalPort;
  /** Where the host keeps disks and test runs' artifacts: the four directories below. */
  final Path storageRoot;
  /** The host's image store: the base images ImageService lists, imports into and deletes. */
  public final Path imageStoreDir;
  /** Where ImportImage's source is read from (a file name relative to it). */
  public final Path importDir;
  /** The VMs' own disks and cloud-init seeds: {@code <vmsDir>/<vmId>/}, as /var/lib/plasmavmc/vms is in production. */
  public final Path vmsDir;
  /** The consoles lifecycle test runs keep: {@code <artifactsDir>/<runId>/<vmName>.log}, as /var/lib/plasmavmc/test-runs is. */
  public final Path artifactsDir;

  public PlasmaVmcHarness(Duration hostTaskTimeout) throws IOException {
    this(hostTaskTimeout, false, null);
  }

  /** The dev server with its Web UI (see {@link #uiAddress()}). */
  static PlasmaVmcHarness withUi(Duration hostTaskTimeout) throws IOException {
    return new PlasmaVmcHarness(hostTaskTimeout, true, null);
  }

  /** The host admitting what {@code limits} say instead of the defaults. */
  public static PlasmaVmcHarness withLimits(Duration hostTaskTimeout, HostLimits limits) throws IOException {
    return new PlasmaVmcHarness(hostTaskTimeout, false, limits);
  }

  private PlasmaVmcHarness(Duration hostTaskTimeout, boolean ui, HostLimits limits) throws IOException {
    runtimeDir = Files.createTempDirectory("plasmavmc-e2e");
    dataDir = Files.createTempDirectory("plasmavmc-e2e-temporal");
    configDir = Files.createTempDirectory("plasmavmc-e2e-config");
    storageRoot = Files.createTempDirectory("plasmavmc-e2e-storage");
    // QEMU runs as its own user: it must pass through the storage root to read the store's images.
    Files.setPosixFilePermissions(storageRoot, PosixFilePermissions.fromString("rwxr-xr-x"));
    HostStorage storage = HostStorage.under(storageRoot);
    imageStoreDir = Files.createDirectory(storage.imageStore());
    importDir = Files.createDirectory(storage.importDir());
    vmsDir = Files.createDirectory(storage.vmsDir());
    artifactsDir = Files.createDirectory(storage.artifactsDir());
    temporalPort = freePort();
    stack = new LocalStack(new LocalStack.Settings(
        new LocalStack.TemporalSettings(temporalPort, ui ? freePort() : -1, dataDir),
        LocalStack.ApiSettings.loopback(0, configDir).withMetrics(0), "e2e-host", runtimeDir, Path.of("/usr/bin/qemu-system-x86_64"), List.of(TestGuest.dir()), "auto",
        hostTaskTimeout, "report").withStorage(storage).withLimits(limits)).start();
    channel = Grpc.newChannelBuilder("127.0.0.1:" + stack.grpcPort(), InsecureChannelCredentials.create()).build();
    admin = new BearerToken(LocalCredentials.readToken(configDir).orElseThrow());
    vms = VmServiceGrpc.newBlockingStub(channel).withCallCredentials(admin);
    images = ImageServiceGrpc.newBlockingStub(channel).withCallCredentials(admin);
    tests = LifecycleTestServiceGrpc.newBlockingStub(channel).withCallCredentials(admin);
  }

  /** What /metrics says now. */
  String metrics() throws Exception {
    var http = HttpClient.newHttpClient();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  String uiAddress() {
    return ((TemporalDevServer) stack.temporal()).uiAddress();
  }

  /** The VM's runtime directory (its serial log, QMP socket, pidfile). */
  public Path vmDir(String name) {
    return runtimeDir.resolve(name);
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    channel.shutdownNow();
    stack.close();
    for (Long pid : QemuProcessTable.livePidsMentioning(runtimeDir)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    ScratchDirectories.delete(runtimeDir, dataDir, configDir, storageRoot);
  }
}
