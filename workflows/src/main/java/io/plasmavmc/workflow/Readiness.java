package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.GuestReadiness;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.spec.ReadinessProbe;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The guest's readiness, boot by boot, by the spec's readiness probe: WAITING from the boot until
 * the probe matches (READY) or its durable timer fires first (NOT_READY). Each boot's wait runs
 * beside the VM's operations, so a boot's caller gets RUNNING at once and waits for readiness only
 * if asked; a boot that ends (stop, reboot, delete, QEMU's exit) takes its readiness with it.
 */
final class Readiness {
  private static final Logger log = Workflow.getLogger(Readiness.class);

  private final KnownVm vm;
  private final HostCalls host;
  /** Numbers the guest's boots; a wait reports only on the boot it was started for. */
  private long boots;
  /** Waits still running (the workflow does not continue as new while one runs). */
  private int waits;
  /** Host workers started since this run began: a wait held by a dead one is renewed on the new one. */
  private int workerStarts;

  Readiness(KnownVm vm, HostCalls host) {
    this.vm = vm;
    this.host = host;
  }

  /** Starts the probe's wait for the boot that just began, on console output after {@code fromOffset} (none without a probe or a running guest). */
  void probe(long fromOffset) {
    ReadinessProbe probe = vm.record().spec().readiness();
    if (probe == null || vm.state() != VmState.RUNNING) {
      return;
    }
    long boot = ++boots;
    vm.change(record -> record.withReadiness(new GuestReadiness(GuestReadiness.Status.WAITING, "waiting for " + probe.describe(), now()),
        "guest booting: waiting up to " + probe.timeoutSeconds() + " s for " + probe.describe()
            + (probe.guestAgent() ? "" : " on the serial console"), now()));
    vm.publish();
    waits++;
    ReadinessWait wait = new ReadinessWait(this, host, probe, fromOffset, Duration.ofSeconds(probe.timeoutSeconds()), boot);
    Async.procedure(() -> {
      try {
        record(wait.await());
      } finally {
        waits--;
      }
    });
  }

  /** The guest's boot ends (stop, reboot, delete): its readiness with it. */
  void endBoot() {
    boots++;
    vm.change(record -> record.withoutReadiness());
  }

  boolean waiting() {
    return waits > 0;
  }

  void workerStarted() {
    workerStarts++;
  }

  int workerStarts() {
    return workerStarts;
  }

  /** Whether {@code boot} is over: another began, the VM is deleted, or its QEMU is gone. */
  boolean bootOver(long boot) {
    return boots != boot || vm.deleted() || vm.record().readiness() == null;
  }

  String vmName() {
    return vm.name();
  }

  private void record(ReadinessWait.Verdict verdict) {
    if (verdict == null) {
      return; // the boot ended first
    }
    log.info("VM {}: {}", vm.name(), verdict.reason());
    vm.change(record -> record.withReadiness(verdict.readiness(), verdict.reason(), now()));
    vm.publish();
  }
}
