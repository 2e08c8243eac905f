package io.plasmavmc.launcher;

import io.plasmavmc.gateway.GatewayServer;
import io.plasmavmc.gateway.GatewaySettings;
import io.plasmavmc.worker.HostWorker;
import io.plasmavmc.worker.StickyQueueFilter;
import io.plasmavmc.worker.WorkerServiceStubs;
import io.plasmavmc.worker.WorkerSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.testserver.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything of PlasmaVMC in one process for a single machine: Temporal's in-memory server bound
 * to a port (real time, no time skipping), one host worker and the gRPC gateway. What it holds
 * lives only as long as the process; a real cluster (docker-compose.yml) keeps history across
 * restarts.
 */
public final class LocalStack implements AutoCloseable {
  public record Settings(int temporalPort, int grpcPort, String bindAddress, String hostId, Path runtimeDir, Path qemuBinary,
      List<Path> imageRoots, String kvm, Duration hostTaskTimeout, String orphans) {
    public Settings(int temporalPort, int grpcPort, String bindAddress, String hostId, Path runtimeDir, Path qemuBinary,
        List<Path> imageRoots, String kvm, Duration hostTaskTimeout) {
      this(temporalPort, grpcPort, bindAddress, hostId, runtimeDir, qemuBinary, imageRoots, kvm, hostTaskTimeout, "report");
    }
  }

  private final Settings settings;
  private TestServer.PortBoundTestServer temporal;
  private WorkflowServiceStubs service;
  private HostWorker worker;
  private GatewayServer gateway;

  public LocalStack(Settings settings) {
    this.settings = settings;
  }

  public LocalStack start() {
    temporal = TestServer.createPortBoundServer(settings.temporalPort(), true);
    // Sticky queues stay on here: this worker lives and dies with the in-memory server, so it can
    // never strand a workflow on its queue, and cached workflows answer queries without a replay.
    // (A worker in another process against this server drops them: see StickyQueueFilter.)
    service = WorkerServiceStubs.connect("127.0.0.1:" + settings.temporalPort(), StickyQueueFilter.Mode.ON);
    WorkflowClient client = WorkflowClient.newInstance(service);
    worker = new HostWorker(client, new WorkerSettings(settings.hostId(), settings.runtimeDir(), settings.qemuBinary(),
        settings.imageRoots(), settings.kvm(), settings.orphans())).start();
    gateway = new GatewayServer(client, new GatewaySettings(settings.bindAddress(), settings.grpcPort(), worker.hostId(),
        settings.hostTaskTimeout(), "registry")).start();
    return this;
  }

  public int grpcPort() {
    return gateway.port();
  }

  public String hostId() {
    return worker.hostId();
  }

  /** QEMU processes of this host that no VM workflow owns (see HostWorker#orphans). */
  public java.util.Map<String, Long> orphans() {
    return worker.orphans();
  }

  /** Stops the worker alone, as a crash or restart of the host's worker would (its VMs keep running). */
  public void stopWorker() {
    worker.close();
  }

  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
    if (worker != null) {
      worker.close();
    }
    if (service != null) {
      service.shutdownNow();
    }
    if (temporal != null) {
      temporal.close();
    }
  }
}
