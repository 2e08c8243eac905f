package io.plasmavmc.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.VmSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.time.Duration;

/**
 * VmService in process, through Temporal's test server, to {@link FakeVmWorkflow}: the calls about
 * one VM (no lister, no watcher), default host h1, the VMs' search attributes registered.
 */
final class FakeVmServer implements AutoCloseable {
  final TestWorkflowEnvironment temporal = TestWorkflowEnvironment.newInstance();
  final VmServiceGrpc.VmServiceBlockingStub vms;
  private final Server server;
  private final ManagedChannel channel;

  FakeVmServer() throws IOException {
    VmSearchAttributes.ALL.forEach(key -> temporal.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    temporal.newWorker(TaskQueues.CONTROL).registerWorkflowImplementationTypes(FakeVmWorkflow.class);
    temporal.start();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new VmService(new VmDirectory(temporal.getWorkflowClient(), Duration.ofSeconds(5)), null, null, "h1")).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    vms = VmServiceGrpc.newBlockingStub(channel);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    temporal.close();
  }
}
