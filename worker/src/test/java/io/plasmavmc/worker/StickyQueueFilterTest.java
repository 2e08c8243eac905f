package io.plasmavmc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.testserver.TestServer;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.net.ServerSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A worker that dies without a word must not take its workflows with it: on Temporal's in-memory
 * server the next worker serves their signals and queries.
 */
class StickyQueueFilterTest {
  @WorkflowInterface
  public interface Tally {
    @WorkflowMethod
    void run();

    @SignalMethod
    void add(int n);

    @QueryMethod
    int total();
  }

  public static class TallyImpl implements Tally {
    private int total;

    @Override
    public void run() {
      Workflow.await(() -> false);
    }

    @Override
    public void add(int n) {
      total += n;
    }

    @Override
    public int total() {
      return total;
    }
  }

  private TestServer.PortBoundTestServer server;
  private String target;

  @BeforeEach
  void up() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    target = "127.0.0.1:" + port;
    server = TestServer.createPortBoundServer(port, true);
  }

  @AfterEach
  void down() {
    server.close();
  }

  private record Worker(WorkflowServiceStubs service, WorkerFactory factory) {}

  private Worker worker(StickyQueueFilter filter) {
    WorkflowServiceStubs service = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(target).addGrpcClientInterceptor(filter).build());
    WorkerFactory factory = WorkerFactory.newInstance(WorkflowClient.newInstance(service));
    factory.newWorker("tally").registerWorkflowImplementationTypes(TallyImpl.class);
    factory.start();
    return new Worker(service, factory);
  }

  @Test
  void theNextWorkerServesTheWorkflowsOfOneThatDied() throws Exception {
    StickyQueueFilter first = new StickyQueueFilter(StickyQueueFilter.Mode.AUTO);
    assertNull(first.dropsSticky(), "AUTO asks the server only when a task completes");
    Worker dying = worker(first);
    WorkflowServiceStubs clientService = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    WorkflowClient client = WorkflowClient.newInstance(clientService);
    Tally tally = client.newWorkflowStub(Tally.class, WorkflowOptions.newBuilder().setTaskQueue("tally").setWorkflowId("tally").build());
    WorkflowClient.start(tally::run);
    tally.add(1);
    assertEquals(1, tally.total());
    assertTrue(first.dropsSticky(), "the in-memory server reports no version, so sticky queues are off");

    // The worker's connection drops first, so it cannot say goodbye: as after a SIGKILL.
    dying.service().shutdownNow();
    dying.factory().shutdownNow();

    Worker next = worker(new StickyQueueFilter(StickyQueueFilter.Mode.AUTO));
    try {
      tally.add(2);
      int total = CompletableFuture.supplyAsync(tally::total).get(20, TimeUnit.SECONDS);
      assertEquals(3, total, "the new worker replayed the workflow and applied the signal");
    } finally {
      next.factory().shutdownNow();
      next.service().shutdownNow();
      clientService.shutdownNow();
    }
  }

  @Test
  void modesAreAutoOnOrOffAndAnythingElseIsRefusedByName() {
    assertEquals(StickyQueueFilter.Mode.AUTO, StickyQueueFilter.Mode.parse(null));
    assertEquals(StickyQueueFilter.Mode.OFF, StickyQueueFilter.Mode.parse(" Off "));
    assertEquals(false, new StickyQueueFilter(StickyQueueFilter.Mode.ON).dropsSticky());
    assertEquals(true, new StickyQueueFilter(StickyQueueFilter.Mode.OFF).dropsSticky());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StickyQueueFilter.Mode.parse("sometimes"));
    assertTrue(e.getMessage().contains("sticky-queues"), e.getMessage());
  }
}
