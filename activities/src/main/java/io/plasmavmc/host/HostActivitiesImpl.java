package io.plasmavmc.host;

import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.host.GuestExecResult;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.QemuHypervisor;
import io.plasmavmc.host.storage.Snapshots;
import io.plasmavmc.host.storage.TestRunArtifacts;
import io.plasmavmc.host.vm.HostedVm;
import io.plasmavmc.host.vm.HostedVms;
import io.plasmavmc.host.vm.Recovery;
import io.plasmavmc.host.vm.VmMonitors;
import io.plasmavmc.host.vmm.GuestControl;
import io.plasmavmc.host.vmm.Hypervisor;
import io.plasmavmc.host.vmm.LaunchPlan;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import io.plasmavmc.host.vmm.SpecSize;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link HostActivities} on one host: each activity finds its VM's handle ({@link HostedVm}) and
 * asks it, and long waits go to the host's pools ({@link VmMonitors}, {@link ConsoleWaits},
 * {@link AgentWaits}), completing later.
 */
public final class HostActivitiesImpl implements HostActivities, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostActivitiesImpl.class);

  private final HostConfig config;
  private final HostedVms vms;
  private final HostCapacity capacity;
  private final SpawnSlots spawnSlots;
  private final VmMonitors monitors;
  private final ConsoleWaits consoles = new ConsoleWaits(MONITOR_HEARTBEAT_INTERVAL);
  private final AgentWaits agents = new AgentWaits(MONITOR_HEARTBEAT_INTERVAL, 4);
  private final TestRunArtifacts artifacts;
  private final MigrationActivitiesImpl migrations;

  public HostActivitiesImpl(HostConfig config) {
    this(config, HostTimings.NONE);
  }

  /** VMs under QEMU/KVM. */
  public HostActivitiesImpl(HostConfig config, HostTimings timings) {
    this(config, new QemuHypervisor(config, timings), timings);
  }

  public HostActivitiesImpl(HostConfig config, Hypervisor hypervisor, HostTimings timings) {
    this.config = config;
    this.vms = new HostedVms(config.runtimeRoot(), hypervisor, timings);
    this.capacity = new HostCapacity(config.limits());
    this.spawnSlots = new SpawnSlots(config.limits().maxConcurrentSpawns());
    this.monitors = new VmMonitors(vms, MONITOR_HEARTBEAT_INTERVAL, 8);
    this.artifacts = new TestRunArtifacts(config.storage().artifactsDir());
    this.migrations = new MigrationActivitiesImpl(config, vms, capacity);
  }

  /** This host's part of live migrations, on the same VM handles and limits as these activities: register both on the host's queue. */
  public MigrationActivitiesImpl migrations() {
    return migrations;
  }

  /**
   * A QEMU that starts waits first for one of the host's spawn slots ({@link SpawnSlots}), then
   * for room under its limits; one that runs already is re-attached without either.
   */
  @Override
  public VmHandle spawn(String vmId, VmSpec spec) {
    HostedVm vm = vms.get(vmId);
    LaunchPlan plan = vm.plan(spec); // files and option values checked before anything is written: a refused spec leaves no trace
    capacity.checkSpec(spec);
    return vm.spawn(plan, () -> {
      Runnable slot = spawnSlots.acquire(SpawnDeadline.of(config.spawnTimeout()));
      try {
        Heartbeats.beat("spawn slot taken"); // a creation given up on while this waited ends here, before QEMU starts
        Runnable room = capacity.reserve(vmId, spec, vms.running());
        return () -> {
          room.run();
          slot.run();
        };
      } catch (RuntimeException e) {
        slot.run();
        throw e;
      }
    });
  }

  /** The spawn slots now: for the host's metrics. */
  public SpawnLoad spawnLoad() {
    return spawnSlots.load();
  }

  @Override
  public VmStatus spawnAndStart(String vmId, VmSpec spec) {
    spawn(vmId, spec);
    return cont(vmId);
  }

  // The guest's controls, a line each: they only name the control the VM's handle passes to its VMM.
  @Override public VmStatus cont(String vmId) { return vms.get(vmId).control(GuestControl.START); }
  @Override public VmStatus pause(String vmId) { return vms.get(vmId).control(GuestControl.PAUSE); }
  @Override public VmStatus reset(String vmId) { return vms.get(vmId).control(GuestControl.RESET); }
  @Override public VmStatus powerdown(String vmId) { return vms.get(vmId).control(GuestControl.POWER_BUTTON); }

  @Override
  public VmStatus queryStatus(String vmId) {
    return vms.get(vmId).status();
  }

  @Override
  public VmStatus kill(String vmId) {
    return vms.get(vmId).kill(config.killStepTimeout());
  }

  @Override
  public VmStatus awaitExit(String vmId, Duration timeout) {
    return vms.get(vmId).awaitExit(timeout);
  }

  /**
   * Hands the VM's process to this host's {@link VmMonitors} and returns at once without
   * completing: no thread or activity slot waits on a watched VM. The monitor signals the workflow,
   * heartbeats the activity, and completes it when the process exits (or ends when the activity is
   * cancelled, timed out, or its workflow is gone).
   */
  @Override
  public VmStatus monitor(String vmId, long pid, long startTime) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    // Signals go to the workflow that scheduled this activity, by id, through an untyped stub:
    // the host side knows no workflow code.
    WorkflowStub workflow = context.getWorkflowClient().newUntypedWorkflowStub(context.getInfo().getWorkflowId());
    return ActivityCompletions.completeLater(vmId, "monitor",
        wanted -> watch(vmId, pid, startTime, event -> workflow.signal(HostEvent.SIGNAL, event), wanted));
  }

  /** Watches the VM's process {@code pid}/{@code startTime} (0/0: whichever runs); see {@link VmMonitors#watch}. */
  public CompletableFuture<VmStatus> watch(String vmId, long pid, long startTime, Consumer<HostEvent> reports, BooleanSupplier wanted) {
    return monitors.watch(vmId, pid, startTime, reports, wanted);
  }

  @Override
  public ProbeResult awaitAgent(String vmId, Duration timeout) {
    HostedVm vm = vms.get(vmId);
    return ActivityCompletions.completeLater(vmId, "agent wait", wanted -> agents.await(vm.agent(), timeout, wanted));
  }

  @Override
  public boolean agentShutdown(String vmId) {
    HostedVm vm = vms.get(vmId);
    vm.running();
    boolean asked = AgentRequests.shutdown(vm.agent(), Duration.ofSeconds(3));
    log.info("VM {}: {}", vmId, asked ? "guest agent asked to power off (guest-shutdown)" : "guest agent did not answer");
    return asked;
  }

  @Override
  public GuestExecResult guestExec(String vmId, GuestCommand command) {
    HostedVm vm = vms.get(vmId);
    vm.running();
    GuestExecResult result = AgentRequests.exec(vm.agent(), command);
    log.info("VM {}: guest command {} ended {} (exit code {})", vmId, command.path(), result.outcome(), result.exitCode());
    return result;
  }

  @Override
  public ProbeResult awaitConsole(String vmId, String pattern, long fromOffset, Duration timeout) {
    HostedVm vm = vms.get(vmId);
    return ActivityCompletions.completeLater(vmId, "console wait",
        wanted -> consoles.await(vm.console(), pattern, fromOffset, timeout, wanted));
  }

  @Override
  public ConsoleTail readConsole(String vmId, int maxBytes) {
    return vms.get(vmId).readConsole(maxBytes);
  }

  @Override
  public long archiveConsole(String vmId, String runId, String vmName, int maxBytes) {
    ConsoleTail tail = vms.get(vmId).readConsole(Math.min(maxBytes, MAX_ARCHIVED_CONSOLE_BYTES));
    artifacts.keep(runId, vmName, tail.data());
    log.info("VM {}: the last {} of its {} console bytes kept for lifecycle test run {}", vmId, tail.data().length, tail.totalBytes(), runId);
    return tail.data().length;
  }

  @Override
  public ConsoleTail readArchivedConsole(String runId, String vmName, int maxBytes) {
    return artifacts.read(runId, vmName, maxBytes);
  }

  @Override
  public void cleanup(String vmId) {
    HostedVm vm = vms.get(vmId);
    vm.cleanup();
    vms.forget(vm);
  }

  @Override
  public void removeDisks(String vmId) {
    vms.get(vmId).removeDisks();
  }

  @Override
  public Snapshot takeSnapshot(String vmId, VmSpec spec, String name, String jobId) {
    String job = jobOrNew(jobId);
    long started = System.nanoTime();
    Snapshot taken = vms.get(vmId).withSnapshots(spec, snapshots -> snapshots.take(name, job));
    log.info("VM {}: snapshot {} taken ({} bytes of VM state, job {}) in {} ms", vmId, name, taken.vmStateBytes(), job, millisSince(started));
    return taken;
  }

  @Override
  public VmStatus restoreSnapshot(String vmId, VmSpec spec, String name, String jobId) {
    HostedVm vm = vms.get(vmId);
    String job = jobOrNew(jobId);
    long started = System.nanoTime();
    vm.withSnapshots(spec, snapshots -> {
      snapshots.restore(name, job);
      return null;
    });
    log.info("VM {}: snapshot {} restored (job {}) in {} ms", vmId, name, job, millisSince(started));
    return vm.status();
  }

  @Override
  public void deleteSnapshot(String vmId, VmSpec spec, String name, String jobId) {
    String job = jobOrNew(jobId);
    vms.get(vmId).withSnapshots(spec, snapshots -> {
      snapshots.delete(name, job);
      return null;
    });
    log.info("VM {}: snapshot {} deleted (job {})", vmId, name, job);
  }

  @Override
  public List<Snapshot> listSnapshots(String vmId, VmSpec spec) {
    return vms.get(vmId).withSnapshots(spec, Snapshots::list);
  }

  private static long millisSince(long started) {
    return (System.nanoTime() - started) / 1_000_000;
  }

  /** The workflow names every job (a retry finds its own); a caller that does not gets one of its own, not retried. */
  private static String jobOrNew(String jobId) {
    return jobId == null || jobId.isBlank() ? "pv-snapshot-" + UUID.randomUUID() : jobId;
  }

  @Override
  public Map<String, Long> runningQemus() {
    Map<String, Long> running = new TreeMap<>();
    for (HostedVm vm : vms.all()) {
      vm.process().ifPresent(process -> running.put(vm.id(), process.pid()));
    }
    return running;
  }

  /**
   * The VMs whose QEMU runs here and what their specs take (as saved in their runtime
   * directories): the load a host's worker reports to the fleet.
   */
  public RunningVms runningVms() {
    List<HostedVm> running = vms.running();
    SpecSize size = running.stream().map(vm -> vm.directory().specSize()).reduce(SpecSize.UNKNOWN, SpecSize::plus);
    return new RunningVms(running.size(), size);
  }

  /** How many VMs' QEMU runs here: cheaper than {@link #runningVms()}, no spec is read. */
  public int runningCount() {
    return vms.running().size();
  }

  /**
   * What this host finds of every VM that has a runtime directory here, by VM id (see
   * {@link Recovery}). A worker that starts reports these to the VMs' workflows.
   */
  public SortedMap<String, VmStatus> recover() {
    return Recovery.recover(vms);
  }

  /** The runtime directory a VM has (or would have) on this host. */
  public RuntimeDirectory directory(String vmId) {
    return vms.get(vmId).directory();
  }

  @Override
  public void close() {
    monitors.close();
    consoles.close();
    agents.close();
    vms.close();
  }
}
