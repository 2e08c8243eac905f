package io.plasmavmc.workflow;

import io.plasmavmc.contract.WorkflowSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
}
