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
 * one spawnAndStart activity, no registry signal; v2: host reports ordered and attributed to a QEMU
 * instance, with histories of a crash, a host that went away and came back, and a continued run;
 * (vm-crash-v2.json lives in the workflows module's main resources: the host worker replays it to warm up.)
 * v3: VMs with readiness probes (console and agent waits and their timers beside the operations),
 * and a graceful stop through the guest agent; v4: a readiness wait taken over by a starting worker;
 * v5: a timer whose race is decided is cancelled (a graceful stop's once the guest is off, a
 * readiness probe's once it matched); v6: a VM with a disk of its own (an overlay of an image)
 * snapshotted running and stopped, returned to both, one snapshot deleted (a snapshot job retried
 * after a lost worker among them), and deleted with its disks. No version gate came with v6: specs
 * recorded before it have no disks of their own, so their deletions issue no new command. v7: a
 * VM placed by the fleet (the placed-by-fleet gate, its placement and its release as activities on
 * the control queue), told by its host workflow that the host stopped reporting and returned.
 * v8 (the busy-host-waits gate, recorded by BusyHostTest): a creation whose spawn a busy host did
 * not pick up in time, asked again until the host took it; one refused HOST_BUSY at its deadline,
 * then its clean-up (a kill and a cleanup on the host) and the room given back; an operation
 * failed HOST_UNAVAILABLE only after the host workflow said the host stopped reporting, a minute
 * of renewed monitors not picked up before that marking nothing.
 * v8 too: a VM migrated live to another host (VmMigrationTest: the target chosen by the fleet, its
 * QEMU prepared, listening, sent the state, let run; the source's room released and its QEMU
 * ended; its monitor renewed on the target, then paused and deleted there). No version gate came
 * with v8: the migration is a new update's handler, which older histories never called.
 * After an intended, versioned change, record the next ones: {@code mvn -pl workflows test
 * -Dtest=VmWorkflowTest (or BusyHostTest) -Dplasmavmc.recordHistories=$PWD/workflows/src/test/resources/histories
 * -Dplasmavmc.historyVersion=vN}.
 */
class VmWorkflowReplayTest {
  @ParameterizedTest
  @ValueSource(strings = {"vm-lifecycle-v0.json", "vm-lifecycle-v1.json", "vm-lifecycle-v2.json", "vm-crash-v2.json",
      "vm-host-away-and-back-v2.json", "vm-continued-v2.json",
      "vm-readiness-v3.json", "vm-agent-v3.json", "vm-readiness-renewed-v4.json",
      "vm-lifecycle-v5.json", "vm-readiness-v5.json", "vm-agent-v5.json", "vm-readiness-renewed-v5.json",
      "vm-snapshots-v6.json", "vm-placed-v7.json",
      "vm-busy-host-v8.json", "vm-busy-host-refused-v8.json", "vm-host-unreachable-v8.json", "vm-migrated-v8.json"})
  void aRecordedLifecycleReplays(String history) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource("histories/" + history, VmWorkflowImpl.class);
  }

  /**
   * Lifecycle test runs are long workflows too (a run of 200 iterations lasts hours): a passing run
   * and one whose first attempt hit an infrastructure failure, recorded by LifecycleTestWorkflowTest
   * with the same properties. v1: an attempt's VM deleted with its console; v2 (gate
   * archive-attempt-consoles, its marker the run's first command): each attempt's host keeps the
   * end of its console before the VM is deleted, with a guest failure's run beside the two.
   */
  @ParameterizedTest
  @ValueSource(strings = {"lifecycle-test-passed-v1.json", "lifecycle-test-retried-v1.json", "lifecycle-test-passed-v2.json",
      "lifecycle-test-retried-v2.json", "lifecycle-test-guest-failure-v2.json"})
  void aRecordedLifecycleTestRunReplays(String history) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource("histories/" + history, LifecycleTestWorkflowImpl.class);
  }

  /**
   * Host workflows never end: v1, a host registered, reporting, reserving and releasing room,
   * cordoned and uncordoned, unreachable and back (its VM told both), drained by stopping its VM;
   * v2 (gate drain-by-migration, its marker the drain's first command): the same life, its VM
   * migrated away by the drain. Recorded by HostWorkflowTest#aHostsWholeLife with the same properties.
   */
  @ParameterizedTest
  @ValueSource(strings = {"host-v1.json", "host-v2.json"})
  void aRecordedHostReplays(String history) throws Exception {
    WorkflowReplayer.replayWorkflowExecutionFromResource("histories/" + history, HostWorkflowImpl.class);
  }
}
