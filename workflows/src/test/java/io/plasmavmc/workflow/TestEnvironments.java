package io.plasmavmc.workflow;

import io.plasmavmc.contract.WorkflowSearchAttributes;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the workflow tests share: an environment that knows the search attributes, and the recording of histories. */
final class TestEnvironments {
  private TestEnvironments() {}

  /**
   * Temporal's test environment with VmName, VmState, VmHost and HostState registered, as a
   * worker registers them: a workflow that upserts an unknown one fails its task.
   */
  static TestWorkflowEnvironment withSearchAttributes() {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
    WorkflowSearchAttributes.ALL.forEach(key -> env.registerSearchAttribute(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    return env;
  }

  /**
   * With {@code -Dplasmavmc.recordHistories=DIR} (and {@code -Dplasmavmc.historyVersion=vN}),
   * writes the history of {@code workflowId} as {@code fixture-vN.json} for VmWorkflowReplayTest:
   * see there.
   */
  static void record(WorkflowClient client, String workflowId, String fixture) throws IOException {
    String dir = System.getProperty("plasmavmc.recordHistories");
    if (dir != null && !dir.isBlank()) {
      Files.writeString(Path.of(dir, fixture + "-" + System.getProperty("plasmavmc.historyVersion", "vN") + ".json"),
          client.fetchHistory(workflowId).toJson(true));
    }
  }

  /**
   * Waits until the workflow has applied every signal it was sent (a workflow task completed after
   * the last): an update or a query sent right after a signal may otherwise be handled first
   * (Temporal's in-memory server hands an update to the workflow in a task of its own).
   */
  static void awaitSignalsApplied(WorkflowClient client, String workflowId) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      List<HistoryEvent> events = client.fetchHistory(workflowId).getEvents();
      long lastSignal = events.stream().filter(event -> event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
          .mapToLong(HistoryEvent::getEventId).max().orElse(0);
      long lastTask = events.stream().filter(event -> event.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
          .mapToLong(HistoryEvent::getEventId).max().orElse(0);
      if (lastTask > lastSignal) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError(workflowId + " has not applied its signals within 10 s");
  }
}
