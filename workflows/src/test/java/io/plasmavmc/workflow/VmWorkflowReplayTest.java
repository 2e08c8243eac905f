package io.plasmavmc.workflow;

import io.temporal.testing.WorkflowReplayer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Replays recorded histories of a full lifecycle (create, graceful stop, start, pause, resume,
 * reboot, forced stop, delete) against today's VmWorkflowImpl, one per workflow version that may
 * still be running somewhere: VM workflows live as long as their VMs, in a Temporal server that
 * keeps them across upgrades. A change that would make any of them non-deterministic fails here.
 * v0: spawn and cont as two activities, the workflow unregistering itself from the registry; v1:
 * one spawnAndStart activity, no registry signal. After an intended, versioned change, record the
 * next one: {@code mvn -pl workflows test -Dtest=VmWorkflowTest#theWholeLifecycle
 * -Dplasmavmc.recordHistory=$PWD/workflows/src/test/resources/histories/vm-lifecycle-vN.json}.
 */
class VmWorkflowReplayTest {
  @ParameterizedTest
  @ValueSource(strings = {"vm-lifecycle-v0.json", "vm-lifecycle-v1.json"})
  void aRecordedLifecycleReplays(String history) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource("histories/" + history, VmWorkflowImpl.class);
  }
}
