package io.plasmavmc.workflow;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.api.Test;

/**
 * Replays the recorded history of a full lifecycle (create, graceful stop, start, pause, resume,
 * reboot, forced stop, delete) against today's VmWorkflowImpl. A change that would make running
 * workflows non-deterministic fails here. To record anew after an intended, versioned change:
 * {@code mvn -pl workflows test -Dtest=VmWorkflowTest#theWholeLifecycle
 * -Dplasmavmc.recordHistory=$PWD/workflows/src/test/resources/histories/vm-lifecycle.json}.
 */
class VmWorkflowReplayTest {
  @Test
  void theRecordedLifecycleReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource("histories/vm-lifecycle.json", VmWorkflowImpl.class);
  }
}
