package io.plasmavmc.contract.testrun;

import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.time.Duration;

/**
 * A VM's lifecycle operations as activities, for workflows that drive VMs (lifecycle test runs, a
 * host's drain):
 * a workflow cannot send another workflow an Update, so these send it through the Temporal client,
 * as the gateway does. Each one is safe to retry: a retry joins the Update its first attempt sent.
 * A VM's own failure (an illegal transition, a guest not ready, a host unreachable) ends the
 * activity with the VM's failure type ({@link VmFailures}), not retried.
 */
@ActivityInterface(namePrefix = "Vm")
public interface VmOperations {
  /** Creates the VM and starts it; returns it RUNNING. */
  @ActivityMethod
  VmRecord createAndStart(String name, VmSpec spec, String hostId, String requestId, Duration hostTaskTimeout);

  /** Waits until the guest of the boot in progress is ready by the spec's probe. */
  @ActivityMethod
  VmRecord awaitReady(String name);

  @ActivityMethod
  VmRecord reboot(String name);

  /** A graceful stop: the guest's agent or power button, forced off after {@code timeoutSeconds}. */
  @ActivityMethod
  VmRecord stop(String name, int timeoutSeconds);

  /** Migrates the VM live (see VmWorkflow#migrate); returns it on its new host. */
  @ActivityMethod
  VmRecord migrate(String name, MigrateRequest request);

  /** The VM as its workflow knows it; null if there is no such VM. */
  @ActivityMethod
  VmRecord describe(String name);

  /** Deletes the VM; one that is already gone is success. */
  @ActivityMethod
  void delete(String name);
}
