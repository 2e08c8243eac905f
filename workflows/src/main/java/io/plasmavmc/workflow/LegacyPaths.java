package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.host.HostEvent;
import io.temporal.workflow.ExternalWorkflowStub;
import io.temporal.workflow.Workflow;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;

/**
 * Every version gate of a VM's workflow, a lifecycle test run's and a host's, and the paths that
 * workflows recorded before each gate still take when they replay. VM workflows live as long as
 * their VMs (a run, as long as its iterations take; a host's, for ever), so these stay until no history older than the gate can
 * be running anywhere; then they go together, and each gate's caller keeps only its current path.
 *
 * <p>A gate's {@link Workflow#getVersion} must be called where it always was: its marker is a
 * command, and a replayed history must see the same commands in the same order.
 */
final class LegacyPaths {
  private static final Logger log = Workflow.getLogger(LegacyPaths.class);

  /** Version 1: the gateway takes a deleted VM's name out of the registry, not the VM's workflow. */
  static final String REGISTRY_KEPT_BY_GATEWAY = "registry-kept-by-gateway";
  /** Version 1: a VM boots with one host activity (spawn and cont) where it used two. */
  static final String BOOT_IN_ONE_ACTIVITY = "boot-in-one-activity";
  /** Version 1: host reports are ordered and attributed to one QEMU instance. */
  static final String ORDERED_HOST_REPORTS = "ordered-host-reports";
  /** Version 1: a starting host worker takes over a readiness wait at once. */
  static final String RENEW_READINESS_WAIT_ON_WORKER_START = "renew-readiness-wait-on-worker-start";
  /** Version 1: a durable timer whose race is decided is cancelled instead of left to fire. */
  static final String CANCEL_DECIDED_TIMERS = "cancel-decided-timers";
  /**
   * Version 1: a VM's creation begins with placement (the fleet chooses its host, or takes the one
   * named, and reserves its room there) before any host activity.
   */
  static final String PLACED_BY_FLEET = "placed-by-fleet";
  /**
   * Version 1 (hosts' workflows): a drain migrates its host's VMs away, two at a time, and stops
   * only those that cannot migrate; before, it stopped them all, four at a time.
   */
  static final String DRAIN_BY_MIGRATION = "drain-by-migration";
  /** Version 1 (lifecycle test runs): an attempt's host keeps the end of its console before its VM is deleted. */
  static final String ARCHIVE_ATTEMPT_CONSOLES = "archive-attempt-consoles";
  /**
   * Version 1: a host is unreachable only by its host workflow's word (its worker stopped
   * reporting), not because it left a host activity in its queue: a placed VM's operation waits
   * for a busy host up to the operation's deadline and then fails HOST_BUSY, its monitor is renewed
   * without marking the host, and a creation that failed ends whatever QEMU it may have started.
   */
  static final String BUSY_HOST_WAITS = "busy-host-waits";
  /**
   * Version 1 (asked as a migration that failed before its switch is undone): the target's abort is
   * asked once, and if the target does not take it within the host timeout it is left waiting in
   * the target's queue, delivered when the host is back, while the undo goes on; before, the undo
   * waited for the target up to the operation's deadline, and then left the target's QEMU waiting
   * there until the next migration of the VM to that host ended it.
   */
  static final String QUEUE_UNREACHED_ABORTS = "queue-unreached-aborts";
  /**
   * Version 1 (hosts' workflows; asked when a liveness timer fires late): a bound that passed while
   * the control plane was down is given again from its return; before, the host was unreachable at
   * once, though its reports could not have arrived.
   */
  static final String GRACE_AFTER_OUTAGE = "grace-after-outage";
  /**
   * Version 1 (asked when a migration's target told to let the guest run did not answer in time):
   * the target is asked until it answers, a day at most, and its answer decides; before, the
   * migration failed at once leaving both QEMUs stopped for an operator to sort out.
   */
  static final String WAIT_FOR_SILENT_TARGETS = "wait-for-silent-targets";

  /**
   * The in-memory fallback's registry of VM ids (VmRegistryWorkflow), reached by name: the
   * workflows recorded before {@link #REGISTRY_KEPT_BY_GATEWAY} signalled it themselves.
   */
  private static final String REGISTRY_WORKFLOW_ID = "plasmavmc-vm-registry";
  private static final String REGISTRY_UNREGISTER_SIGNAL = "unregister";

  /**
   * The exception class names host activities failed with before host failures carried
   * {@link FailureReasons}: recorded histories hold them, and replaying those must decide as then.
   */
  private static final Map<String, String> HOST_FAILURE_CLASS_NAMES = Map.of(
      "io.plasmavmc.host.InvalidSpecException", FailureReasons.INVALID_SPEC,
      "io.plasmavmc.host.SpawnFailedException", FailureReasons.SPAWN_FAILED,
      "io.plasmavmc.host.HostFullException", FailureReasons.HOST_FULL,
      "io.plasmavmc.host.VmNotRunningException", FailureReasons.VM_NOT_RUNNING,
      "io.plasmavmc.host.VmStillRunningException", FailureReasons.VM_STILL_RUNNING,
      "io.plasmavmc.host.qmp.QmpTimeoutException", FailureReasons.QMP_TIMEOUT,
      "io.plasmavmc.host.qmp.QmpErrorException", FailureReasons.QMP_ERROR);

  /** Asked once, where a host report is first handled; a workflow keeps its answer for its whole run. */
  private Boolean ordersHostReports;

  // --- the gates ----------------------------------------------------------------------------

  static boolean bootsInOneActivity() {
    return Workflow.getVersion(BOOT_IN_ONE_ACTIVITY, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  boolean ordersHostReports() {
    if (ordersHostReports == null) {
      ordersHostReports = Workflow.getVersion(ORDERED_HOST_REPORTS, Workflow.DEFAULT_VERSION, 1) == 1;
    }
    return ordersHostReports;
  }

  /** Before version 1 a wait held by a dead worker ran on until its heartbeat timed out. */
  static boolean renewsReadinessWaitOnWorkerStart() {
    return Workflow.getVersion(RENEW_READINESS_WAIT_ON_WORKER_START, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /** Before version 1 such a timer ran on until it fired, and the fired timer changed nothing. */
  static boolean cancelsDecidedTimers() {
    return Workflow.getVersion(CANCEL_DECIDED_TIMERS, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /** Before version 1 the VM went to the host its input named, with no room reserved (its record has no placement). */
  static boolean placesThroughFleet() {
    return Workflow.getVersion(PLACED_BY_FLEET, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /** Asked once, as a drain begins: its marker is the drain's first command. */
  static boolean drainsByMigration() {
    return Workflow.getVersion(DRAIN_BY_MIGRATION, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /**
   * Asked once, as a run starts. Before version 1 an attempt's VM was deleted with its console
   * (the report kept the end of a guest failure's console, as it still does): no archive activity.
   */
  static boolean archivesAttemptConsoles() {
    return Workflow.getVersion(ARCHIVE_ATTEMPT_CONSOLES, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /**
   * Before version 1 a host activity not picked up within the host timeout made the host
   * unreachable (HOST_UNAVAILABLE, the VM marked), however alive the host was; and a failed
   * creation left what its spawn may have started to the VM's deletion.
   */
  static boolean waitsForSilentTargets() {
    return Workflow.getVersion(WAIT_FOR_SILENT_TARGETS, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  static boolean gracesHostsAfterOutages() {
    return Workflow.getVersion(GRACE_AFTER_OUTAGE, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  static boolean queuesUnreachedAborts() {
    return Workflow.getVersion(QUEUE_UNREACHED_ABORTS, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  static boolean waitsForBusyHosts() {
    return Workflow.getVersion(BUSY_HOST_WAITS, Workflow.DEFAULT_VERSION, 1) == 1;
  }

  // --- the paths older histories take -------------------------------------------------------

  /** A workflow recorded before {@link #REGISTRY_KEPT_BY_GATEWAY} takes its VM out of the registry as it ends. */
  static void leaveRegistryIfStartedBeforeTheGatewayKeptIt(String vmId, String vmName) {
    if (Workflow.getVersion(REGISTRY_KEPT_BY_GATEWAY, Workflow.DEFAULT_VERSION, 1) != Workflow.DEFAULT_VERSION) {
      return;
    }
    try {
      ExternalWorkflowStub registry = Workflow.newUntypedExternalWorkflowStub(REGISTRY_WORKFLOW_ID);
      registry.signal(REGISTRY_UNREGISTER_SIGNAL, vmId);
    } catch (RuntimeException e) {
      // No registry (a server that lists VMs through visibility): nothing to unregister from.
      log.debug("VM {}: registry not reachable: {}", vmName, e.getMessage());
    }
  }

  /** Before {@link #BOOT_IN_ONE_ACTIVITY}: spawn, then cont, as two host activities. */
  static void bootInTwoActivities(QemuSteps steps, String why, String contWhy) {
    steps.spawn(why);
    steps.cont(contWhy);
  }

  /**
   * Before {@link #ORDERED_HOST_REPORTS}: a report about the watched pid is applied as it comes,
   * one that arrives during an operation is dropped (the operation reads the exit it carries).
   */
  static void applyUnorderedHostEvent(HostEvent event, KnownVm vm, HostReports reports) {
    if (vm.deleted() || vm.record().pid() == 0 || event.qemuPid() != vm.record().pid()) {
      return; // about a QEMU that is not (or no longer) this VM's
    }
    if (!event.status().alive()) {
      reports.noteExit(event.status());
    }
    if (reports.operationRunning()) {
      return;
    }
    if (event.status().state() != vm.state() || !event.status().alive() || vm.record().hostUnreachableSince() != null) {
      log.info("VM {}: host reports {}", vm.name(), event.kind());
      vm.apply(event.status());
    }
  }

  /** The failure reason a host failure of a recorded history's class name stands for; today's reasons as they are. */
  static String hostReason(String failureType) {
    return HOST_FAILURE_CLASS_NAMES.getOrDefault(failureType, failureType);
  }

  /** The class names recorded histories fail host activities with, in a stable order. */
  static Stream<String> hostFailureClassNames() {
    return HOST_FAILURE_CLASS_NAMES.keySet().stream().sorted();
  }
}
