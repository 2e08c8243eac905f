package io.plasmavmc.worker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.workflow.HostScanWorkflowImpl;
import io.plasmavmc.workflow.VmWorkflowImpl;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The warm-up replays its recorded VM history against today's workflow code (a history that no longer replays would only warn). */
class WorkflowWarmUpTest {
  private TestServer.PortBoundTestServer server;
  private WorkflowServiceStubs service;
  private WorkerFactory factory;

  @BeforeEach
  void up() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server = TestServer.createPortBoundServer(port, true);
    service = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget("127.0.0.1:" + port).build());
    factory = WorkerFactory.newInstance(WorkflowClient.newInstance(service));
  }

  @AfterEach
  void down() throws Exception {
    factory.shutdownNow();
    service.shutdownNow();
    server.close();
  }

  @Test
  void theRecordedHistoryReplaysOnTheControlWorker() {
    Worker control = factory.newWorker("warm-up-test");
    control.registerWorkflowImplementationTypes(VmWorkflowImpl.class);
    assertTrue(WorkflowWarmUp.run(control));
  }

  @Test
  void aWorkerWithoutTheVmWorkflowIsNotWarmedAndSaysSo() {
    Worker other = factory.newWorker("warm-up-test-other");
    other.registerWorkflowImplementationTypes(HostScanWorkflowImpl.class);
    assertFalse(WorkflowWarmUp.run(other));
  }
}
