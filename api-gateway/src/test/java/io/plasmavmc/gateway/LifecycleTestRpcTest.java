package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.StatusDetails.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.GetLifecycleTestAttemptConsoleRequest;
import io.plasmavmc.api.v1.LifecycleTestRunEvent;
import io.plasmavmc.api.v1.LifecycleTestRunEventKind;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.WatchLifecycleTestRunRequest;
import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.testrun.LifecycleTestAttempt.Outcome;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import io.plasmavmc.contract.testrun.LifecycleTestWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WatchLifecycleTestRun and GetLifecycleTestAttemptConsole over gRPC, through Temporal's test
 * server, on a fake run that the test moves on a step at a time: what a client gets for each call.
 */
class LifecycleTestRpcTest {
  private static final Object COMPLETED = "completed";

  private TestWorkflowEnvironment temporal;
  private Server server;
  private ManagedChannel channel;
  private LifecycleTestWatcher watcher;
  private LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub tests;

  @BeforeEach
  void start() throws IOException {
    FakeTestRuns.reset();
    // Real time: a run waits for the test's next step.
    temporal = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = temporal.newWorker(TaskQueues.CONTROL);
    worker.registerWorkflowImplementationTypes(FakeTestRuns.Run.class, FakeTestRuns.Consoles.class);
    worker.registerActivitiesImplementations(new FakeTestRuns.StepsFromTheTest());
    temporal.start();
    LifecycleTestRuns runs = new LifecycleTestRuns(temporal.getWorkflowClient(), Duration.ofSeconds(5));
    watcher = new LifecycleTestWatcher(runs, Duration.ofMillis(20));
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new LifecycleTestService(runs, watcher, Duration.ofSeconds(5))).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    tests = LifecycleTestServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    watcher.close();
    temporal.close();
  }

  private void startRun(String runId, int iterations) {
    LifecycleTestWorkflow run = temporal.getWorkflowClient().newWorkflowStub(LifecycleTestWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(LifecycleTestWorkflow.workflowId(runId)).setTaskQueue(TaskQueues.CONTROL).build());
    WorkflowClient.start(run::run, FakeTestRuns.plan(runId, iterations));
  }

  private LifecycleTestReport awaitReport(String runId, int attempts) throws InterruptedException {
    LifecycleTestWorkflow run = temporal.getWorkflowClient().newWorkflowStub(LifecycleTestWorkflow.class, LifecycleTestWorkflow.workflowId(runId));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    LifecycleTestReport report = run.report();
    while (report.attempts().size() < attempts && System.nanoTime() < deadline) {
      Thread.sleep(10);
      report = run.report();
    }
    assertEquals(attempts, report.attempts().size(), report.toString());
    return report;
  }

  /** A stream's messages as they come: each event, then COMPLETED or the error that ended it. */
  private BlockingQueue<Object> watch(String runId, List<Context.CancellableContext> open) {
    BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    Context.CancellableContext context = Context.current().withCancellation();
    open.add(context);
    context.run(() -> LifecycleTestServiceGrpc.newStub(channel).watchLifecycleTestRun(
        WatchLifecycleTestRunRequest.newBuilder().setRunId(runId).build(), new StreamObserver<>() {
          @Override
          public void onNext(LifecycleTestRunEvent value) {
            received.add(value);
          }

          @Override
          public void onError(Throwable t) {
            received.add(t);
          }

          @Override
          public void onCompleted() {
            received.add(COMPLETED);
          }
        }));
    return received;
  }

  private static Object next(BlockingQueue<Object> received) throws InterruptedException {
    Object next = received.poll(20, TimeUnit.SECONDS);
    assertTrue(next != null, "nothing arrived");
    return next;
  }

  private static LifecycleTestRunEvent event(BlockingQueue<Object> received) throws InterruptedException {
    Object next = next(received);
    assertTrue(next instanceof LifecycleTestRunEvent, String.valueOf(next));
    return (LifecycleTestRunEvent) next;
  }

  @Test
  void aWatchSendsTheRunThenEveryAttemptEventThenTheRunAsItEnded() throws Exception {
    startRun("w", 2);
    FakeTestRuns.step("w", FakeTestRuns.attempt("w-1-1", Outcome.RUNNING, "create", false));
    awaitReport("w", 1);
    List<Context.CancellableContext> open = new ArrayList<>();
    BlockingQueue<Object> received = watch("w", open);
    LifecycleTestRunEvent first = event(received);
    assertEquals(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN, first.getKind());
    assertEquals("w-1-1", first.getRun().getAttempts(0).getVmName(), "the run as it is, with its attempts");
    assertEquals("h1", first.getRun().getHostId());

    FakeTestRuns.step("w", FakeTestRuns.attempt("w-1-1", Outcome.RUNNING, "ready", false));
    FakeTestRuns.step("w", FakeTestRuns.attempt("w-1-1", Outcome.PASSED, "", true));
    FakeTestRuns.step("w", FakeTestRuns.attempt("w-2-1", Outcome.RUNNING, "create", false));
    FakeTestRuns.step("w", FakeTestRuns.attempt("w-2-1", Outcome.GUEST_FAILURE, "ready", true));
    FakeTestRuns.end("w", LifecycleTestReport.State.FAILED);

    List<String> seen = new ArrayList<>();
    LifecycleTestRunEvent event = event(received);
    while (event.getKind() != LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN_ENDED) {
      seen.add(event.getKind().name().replace("LIFECYCLE_TEST_RUN_EVENT_KIND_", "") + " " + event.getAttempt().getVmName() + " "
          + event.getAttempt().getPhase());
      assertEquals(0, event.getRun().getAttemptsCount(), "an attempt's event carries the run's counts only");
      event = event(received);
    }
    assertEquals(List.of("ATTEMPT_PHASE w-1-1 ready", "ATTEMPT_ENDED w-1-1 ", "ATTEMPT_STARTED w-2-1 create", "ATTEMPT_ENDED w-2-1 ready"),
        seen);
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED, event.getRun().getState());
    assertEquals(2, event.getRun().getAttemptsCount(), "the run as it ended, whole");
    assertTrue(event.getRun().getAttempts(1).getConsoleKept());
    assertEquals(COMPLETED, next(received), "the stream ends with the run");
  }

  @Test
  void aWatchOfARunThatEndedSendsItTwiceAndEnds() throws Exception {
    startRun("done", 1);
    FakeTestRuns.step("done", FakeTestRuns.attempt("done-1-1", Outcome.PASSED, "", true));
    FakeTestRuns.end("done", LifecycleTestReport.State.PASSED);
    temporal.getWorkflowClient().newUntypedWorkflowStub(LifecycleTestWorkflow.workflowId("done")).getResult(20, TimeUnit.SECONDS,
        LifecycleTestReport.class);
    BlockingQueue<Object> received = watch("done", new ArrayList<>());
    assertEquals(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN, event(received).getKind());
    LifecycleTestRunEvent ended = event(received);
    assertEquals(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN_ENDED, ended.getKind());
    assertEquals(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED, ended.getRun().getState());
    assertEquals(COMPLETED, next(received));
  }

  @Test
  void aWatchOfNoRunIsNotFoundAndABadIdNamesTheField() throws Exception {
    Object missing = next(watch("no-such-run", new ArrayList<>()));
    assertTrue(missing instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.NOT_FOUND
        && reason(e).equals("RUN_NOT_FOUND"), String.valueOf(missing));
    Object bad = next(watch("Bad_Id", new ArrayList<>()));
    assertTrue(bad instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT
        && e.getStatus().getDescription().startsWith("run_id:"), String.valueOf(bad));
  }

  @Test
  void watchStreamsAreBoundedPerCallerAndACancelledOneFreesItsPlace() throws Exception {
    startRun("many", 1);
    List<Context.CancellableContext> open = new ArrayList<>();
    try {
      for (int i = 0; i < LifecycleTestWatcher.MAX_STREAMS_PER_CALLER; i++) {
        assertEquals(LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN, event(watch("many", open)).getKind(), "stream " + i);
      }
      Object refused = next(watch("many", open));
      assertTrue(refused instanceof StatusRuntimeException e && e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
          && e.getStatus().getDescription().equals("WatchLifecycleTestRun streams: at most " + LifecycleTestWatcher.MAX_STREAMS_PER_CALLER
          + " per caller"), String.valueOf(refused));
      assertEquals(LifecycleTestWatcher.MAX_STREAMS_PER_CALLER, watcher.streams());
      open.remove(0).cancel(null);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      Object again;
      do {
        again = next(watch("many", open));
      } while (!(again instanceof LifecycleTestRunEvent) && System.nanoTime() < deadline);
      assertTrue(again instanceof LifecycleTestRunEvent, "a cancelled stream gives its place back: " + again);
    } finally {
      open.forEach(context -> context.cancel(null));
      FakeTestRuns.end("many", LifecycleTestReport.State.PASSED);
    }
  }

  private ConsoleLog console(String runId, String vmName, int maxBytes) {
    return tests.getLifecycleTestAttemptConsole(GetLifecycleTestAttemptConsoleRequest.newBuilder().setRunId(runId).setVmName(vmName)
        .setMaxBytes(maxBytes).build());
  }

  private StatusRuntimeException refused(String runId, String vmName, int maxBytes) {
    return assertThrows(StatusRuntimeException.class, () -> console(runId, vmName, maxBytes));
  }

  @Test
  void anAttemptsKeptConsoleIsReadOnItsRunsHostOnceItEnded() throws Exception {
    startRun("c", 4);
    FakeTestRuns.KEPT.put("c-1-1", "boot\nPLASMAVMC-GUEST-READY\nbye\n".getBytes(StandardCharsets.UTF_8));
    FakeTestRuns.step("c", FakeTestRuns.attempt("c-1-1", Outcome.GUEST_FAILURE, "ready", true));
    FakeTestRuns.step("c", FakeTestRuns.attempt("c-2-1", Outcome.PASSED, "", false));
    FakeTestRuns.step("c", FakeTestRuns.attempt("c-3-1", Outcome.RUNNING, "ready", false));
    FakeTestRuns.step("c", FakeTestRuns.attempt("c-4-1", Outcome.PASSED, "", true)); // kept, then lost by the host
    awaitReport("c", 4);

    ConsoleLog whole = console("c", "c-1-1", 0);
    assertEquals("boot\nPLASMAVMC-GUEST-READY\nbye\n", whole.getData().toString(StandardCharsets.UTF_8));
    assertFalse(whole.getTruncated());
    ConsoleLog end = console("c", "c-1-1", 4);
    assertEquals("bye\n", end.getData().toString(StandardCharsets.UTF_8));
    assertTrue(end.getTruncated());
    assertEquals(whole.getData().size(), end.getTotalBytes());

    StatusRuntimeException notKept = refused("c", "c-2-1", 0);
    assertEquals(Status.Code.NOT_FOUND, notKept.getStatus().getCode());
    assertEquals("CONSOLE_NOT_KEPT", reason(notKept));
    StatusRuntimeException running = refused("c", "c-3-1", 0);
    assertEquals(Status.Code.FAILED_PRECONDITION, running.getStatus().getCode());
    assertEquals("ATTEMPT_RUNNING", reason(running));
    StatusRuntimeException lost = refused("c", "c-4-1", 0);
    assertEquals(Status.Code.NOT_FOUND, lost.getStatus().getCode());
    assertEquals("CONSOLE_NOT_KEPT", reason(lost));
    assertEquals("this host keeps no console of c-4-1 of lifecycle test run c", lost.getStatus().getDescription());
    StatusRuntimeException other = refused("c", "c-9-1", 0);
    assertEquals(Status.Code.NOT_FOUND, other.getStatus().getCode());
    assertEquals("ATTEMPT_NOT_FOUND", reason(other));

    StatusRuntimeException tooMuch = refused("c", "c-1-1", 256 * 1024 + 1);
    assertEquals(Status.Code.INVALID_ARGUMENT, tooMuch.getStatus().getCode());
    assertEquals("max_bytes: must be at most 262144", tooMuch.getStatus().getDescription());
    assertEquals(Status.Code.INVALID_ARGUMENT, refused("c", "../etc", 0).getStatus().getCode());
    assertEquals("RUN_NOT_FOUND", reason(refused("no-such-run", "no-such-run-1-1", 0)));
    FakeTestRuns.end("c", LifecycleTestReport.State.FAILED);
  }
}
