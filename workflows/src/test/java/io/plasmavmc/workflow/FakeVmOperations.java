package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.OperationRecord;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.contract.testrun.VmOperations;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * VMs as a host's drain migrates or stops them, in memory: each migration or stop takes {@link
 * #stopTakes} of real time (so they overlap, and how many at once shows), a VM in {@link #stopped}
 * is already stopped, one in {@link #deleted} is gone, one in {@link #failing} refuses, one in
 * {@link #unmovable} cannot migrate.
 */
final class FakeVmOperations implements VmOperations {
  final List<String> stops = new CopyOnWriteArrayList<>();
  final Set<String> stopped = ConcurrentHashMap.newKeySet();
  final Set<String> deleted = ConcurrentHashMap.newKeySet();
  final Set<String> failing = ConcurrentHashMap.newKeySet();
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger mostAtOnce = new AtomicInteger();
  volatile Duration stopTakes = Duration.ofMillis(200);
  /** Each migration asked, as "vm to target-or-empty". */
  final List<String> migrations = new CopyOnWriteArrayList<>();
  /** VMs that cannot migrate (disks of their own). */
  final Set<String> unmovable = ConcurrentHashMap.newKeySet();
  final AtomicInteger migrating = new AtomicInteger();
  final AtomicInteger mostMigratingAtOnce = new AtomicInteger();

  /** Moves a running VM to h2 (taking {@link #stopTakes}); refuses as the VM's workflow does one stopped, deleted, deleting or unmovable. */
  @Override
  public VmRecord migrate(String name, MigrateRequest request) {
    migrations.add(name + " to " + (request.targetHostId() == null ? "" : request.targetHostId()));
    if (deleted.contains(name)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + name + " has been deleted", FailureReasons.DELETED);
    }
    if (stopped.contains(name) || failing.contains(name)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + name + " is " + (failing.contains(name) ? "DELETING" : "STOPPED")
          + ": cannot migrate", FailureReasons.ILLEGAL_TRANSITION);
    }
    if (unmovable.contains(name)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + name + " has storage of its own on host h1", FailureReasons.MIGRATION_UNSUPPORTED);
    }
    mostMigratingAtOnce.accumulateAndGet(migrating.incrementAndGet(), Math::max);
    try {
      Thread.sleep(stopTakes.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      migrating.decrementAndGet();
    }
    Instant now = Instant.now();
    return new VmRecord(name, name, "req", VmSpec.of(name), "h2", VmState.RUNNING, "guest is running", "running", 7, now, now, now,
        List.of(new OperationRecord("migrate", "ok: from host h1 to host h2", now, now)), 3, null);
  }

  @Override
  public VmRecord stop(String name, int timeoutSeconds) {
    stops.add(name);
    mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
    try {
      Thread.sleep(stopTakes.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      running.decrementAndGet();
    }
    if (deleted.contains(name)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + name + " has been deleted", FailureReasons.DELETED);
    }
    if (failing.contains(name)) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + name + " is DELETING: cannot stop", FailureReasons.ILLEGAL_TRANSITION);
    }
    String outcome = stopped.add(name) ? "ok" : "nothing to do: VM was already STOPPED";
    Instant now = Instant.now();
    return new VmRecord(name, name, "req", VmSpec.of(name), "h1", VmState.STOPPED, "stopped", "", 0, now, now, now,
        List.of(new OperationRecord("stop", outcome, now, now)), 2, null);
  }

  @Override
  public VmRecord createAndStart(String name, VmSpec spec, String hostId, String requestId, Duration hostTaskTimeout) {
    throw new UnsupportedOperationException();
  }

  @Override
  public VmRecord awaitReady(String name) {
    throw new UnsupportedOperationException();
  }

  @Override
  public VmRecord reboot(String name) {
    throw new UnsupportedOperationException();
  }

  @Override
  public VmRecord describe(String name) {
    throw new UnsupportedOperationException();
  }

  @Override
  public void delete(String name) {
    throw new UnsupportedOperationException();
  }
}
