package io.plasmavmc.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunEvent;
import io.plasmavmc.api.v1.LifecycleTestRunEventKind;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub;
import io.plasmavmc.api.v1.WatchLifecycleTestRunRequest;
import java.io.PrintStream;
import java.util.Iterator;

/**
 * Follows a lifecycle test run to its end through WatchLifecycleTestRun: each attempt's events as
 * the gateway streams them, then the run as it ended. A stream that breaks first says so, and how
 * to find the run again (it goes on without its watcher), before its status ends the command.
 */
final class TestRunStream {
  private TestRunStream() {}

  static LifecycleTestRun follow(LifecycleTestServiceBlockingStub tests, String runId, TestRunPrinter printer, PrintStream err) {
    try {
      Iterator<LifecycleTestRunEvent> events = tests.watchLifecycleTestRun(WatchLifecycleTestRunRequest.newBuilder().setRunId(runId).build());
      while (events.hasNext()) {
        LifecycleTestRunEvent event = events.next();
        if (event.getKind() == LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN_ENDED) {
          return event.getRun();
        }
        printer.event(event);
      }
      throw Status.UNAVAILABLE.withDescription("the gateway ended the stream before the run ended").asRuntimeException();
    } catch (StatusRuntimeException e) {
      err.printf("vmctl: lost the stream of lifecycle test %s before it ended; the run goes on: vmctl test-report %s shows it, "
          + "vmctl test %s --watch follows it again%n", runId, runId, runId);
      throw e;
    }
  }
}
