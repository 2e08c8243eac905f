package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.host.MigrationActivities;
import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.host.MigrationResult;
import io.plasmavmc.contract.host.TargetAbort;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One host's part of live migrations, in memory, on that host's {@link FakeHost}: QEMU's run
 * states as the real steps leave them (the target inmigrate, then running or paused; the source
 * postmigrate once its state went), each step listed, any of them made to fail.
 */
final class FakeMigrations implements MigrationActivities {
  private final FakeHost host;
  /** Each step, by its name, in the order run. */
  final List<String> steps = new CopyOnWriteArrayList<>();
  /** The step to fail (MIGRATION_FAILED), by its name, or null. */
  volatile String failAt;
  /** The target's finish lets the guest run and then fails as if its worker were lost before it could say so. */
  volatile boolean finishLostAfterRunning;
  /** The next abort fails as a host that cannot be reached does (HOST_UNAVAILABLE), once. */
  volatile boolean abortUnreachableOnce;
  /** Migration ids of the QEMUs waiting here, by VM. */
  private final Map<String, String> incoming = new ConcurrentHashMap<>();
  /** The console each finish was given, by VM. */
  final Map<String, byte[]> consoles = new ConcurrentHashMap<>();
  /** The limits each transfer was given. */
  final List<MigrationLimits> limits = new CopyOnWriteArrayList<>();

  FakeMigrations(FakeHost host) {
    this.host = host;
  }

  private void step(String name) {
    steps.add(name);
    if (name.equals(failAt)) {
      throw ApplicationFailure.newNonRetryableFailure(name + " failed (fake)", FailureReasons.MIGRATION_FAILED);
    }
  }

  @Override
  public VmHandle prepareIncoming(String vmId, VmSpec spec, String migrationId) {
    step("prepareIncoming");
    if (migrationId.equals(incoming.get(vmId)) && host.alive(vmId)) {
      return host.handle(vmId, true);
    }
    host.receive(vmId);
    incoming.put(vmId, migrationId);
    return host.handle(vmId, false);
  }

  @Override
  public String startIncoming(String vmId, String migrationId, String address) {
    step("startIncoming");
    return "tcp:" + address + ":49152";
  }

  @Override
  public MigrationResult migrate(String vmId, String migrationId, String uri, MigrationLimits limits) {
    this.limits.add(limits);
    step("migrate");
    host.setRunState(vmId, "postmigrate");
    return new MigrationResult(64L * 1024 * 1024, 480, 35, 2, 1200);
  }

  @Override
  public VmStatus finishTarget(String vmId, String migrationId, byte[] console, boolean run) {
    step("finishTarget");
    consoles.put(vmId, console);
    host.setRunState(vmId, run ? "running" : "paused");
    incoming.remove(vmId);
    if (finishLostAfterRunning) {
      throw ApplicationFailure.newNonRetryableFailure("finishTarget's worker was lost (fake)", "WorkerLost");
    }
    return host.queryStatus(vmId);
  }

  @Override
  public void endSource(String vmId, String migrationId) {
    step("endSource");
    if (host.alive(vmId) && !"postmigrate".equals(host.runState(vmId))) {
      throw ApplicationFailure.newNonRetryableFailure("the source's guest runs (fake)", FailureReasons.MIGRATION_FAILED);
    }
    host.vanish(vmId);
  }

  @Override
  public TargetAbort abortTarget(String vmId, String migrationId) {
    step("abortTarget");
    if (abortUnreachableOnce) {
      abortUnreachableOnce = false;
      throw ApplicationFailure.newNonRetryableFailure("host h2 is unreachable (fake)", FailureReasons.HOST_UNAVAILABLE);
    }
    if (migrationId.equals(incoming.remove(vmId))) {
      host.vanish(vmId);
      return TargetAbort.ABORTED;
    }
    return host.alive(vmId) ? TargetAbort.TARGET_OWNS_VM : TargetAbort.NOTHING_THERE;
  }

  @Override
  public VmStatus resumeSource(String vmId, String migrationId, boolean run) {
    step("resumeSource");
    if ("postmigrate".equals(host.runState(vmId)) && run) {
      host.setRunState(vmId, "running");
    }
    return host.queryStatus(vmId);
  }
}
