package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
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
 * VMs as a host's drain stops them, in memory: each stop takes {@link #stopTakes} of real time
 * (so stops overlap, and how many at once shows), a VM in {@link #stopped} is already stopped, one
 * in {@link #deleted} is gone, one in {@link #failing} refuses.
 */
final class FakeVmOperations implements VmOperations {
  final List<String> stops = new CopyOnWriteArrayList<>();
  final Set<String> stopped = ConcurrentHashMap.newKeySet();
  final Set<String> deleted = ConcurrentHashMap.newKeySet();
  final Set<String> failing = ConcurrentHashMap.newKeySet();
  final AtomicInteger running = new AtomicInteger();
  final AtomicInteger mostAtOnce = new AtomicInteger();
  volatile Duration stopTakes = Duration.ofMillis(200);

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
