package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.WorkflowClock.now;

import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import org.slf4j.Logger;

/** The steps an operation takes on the VM's QEMU, each one or two host activities, the VM's state following each. */
final class QemuSteps {
  private static final Logger log = Workflow.getLogger(QemuSteps.class);

  private final KnownVm vm;
  private final HostCalls host;
  /** A spawn was asked of the host in this run: a creation that then failed may have left a QEMU. */
  private boolean spawnAsked;

  QemuSteps(KnownVm vm, HostCalls host) {
    this.vm = vm;
    this.host = host;
  }

  /** Starts QEMU paused: CREATED. */
  void spawn(String why) {
    vm.setState(VmState.CREATING, "starting QEMU on host " + vm.record().hostId());
    spawnAsked = true;
    VmHandle handle = host.call("spawn QEMU (" + why + ")", host::spawnOptions, h -> h.spawn(host.vmId(), vm.record().spec()));
    vm.change(record -> record.withInstance(handle.pid(), handle.startTime(), now()));
    vm.setState(VmState.CREATED, "QEMU pid " + handle.pid() + " is up (" + handle.accelerator() + "), guest not started");
  }

  /** Starts QEMU and lets the guest run; {@code contWhy} names the second step where a recorded history took two. */
  void boot(String why, String contWhy) {
    if (LegacyPaths.bootsInOneActivity()) {
      spawnAndStart(why);
    } else {
      LegacyPaths.bootInTwoActivities(this, why, contWhy);
    }
  }

  private void spawnAndStart(String why) {
    vm.setState(VmState.CREATING, "starting QEMU on host " + vm.record().hostId());
    spawnAsked = true;
    VmStatus status = host.call("spawn QEMU and start the guest (" + why + ")", host::spawnOptions,
        h -> h.spawnAndStart(host.vmId(), vm.record().spec()));
    vm.change(record -> record.withInstance(status.pid(), status.startTime(), now()));
    vm.apply(status);
  }

  void cont(String why) {
    vm.apply(host.quick("let the guest run (" + why + ")", h -> h.cont(host.vmId())));
  }

  /** Takes QEMU's own view of the VM (query-status), e.g. "prelaunch" right after creation. */
  void refreshFromHost() {
    try {
      vm.apply(host.quick("query QEMU status", h -> h.queryStatus(host.vmId())));
    } catch (ApplicationFailure failure) {
      log.warn("VM {}: cannot read QEMU status: {}", vm.name(), failure.getOriginalMessage());
    }
  }

  void pause() {
    vm.apply(host.quick("pause guest vCPUs", h -> h.pause(host.vmId())));
  }

  void resume() {
    vm.apply(host.quick("resume guest vCPUs", h -> h.cont(host.vmId())));
  }

  /** Hard-resets the guest; a paused one runs again after. */
  void reset(boolean wasPaused) {
    VmStatus status = host.quick("hard reset (system_reset)", h -> h.reset(host.vmId()));
    if (wasPaused) {
      status = host.quick("resume after reset", h -> h.cont(host.vmId()));
    }
    vm.apply(status);
  }

  /** How many bytes the guest's serial log holds now: a new boot's console output starts there. */
  long consoleLength() {
    return host.call("read the serial log's length", HostActivityOptions::quick, h -> h.readConsole(host.vmId(), 0)).totalBytes();
  }

  /** Ends QEMU: quit, then SIGTERM, then SIGKILL. */
  void kill(String why) {
    vm.setState(VmState.STOPPING, why);
    vm.apply(host.call("end QEMU (quit, SIGTERM, SIGKILL)", HostActivityOptions::kill, h -> h.kill(host.vmId())));
  }

  /** Whether a spawn was asked of the host in this run of the workflow. */
  boolean spawnAsked() {
    return spawnAsked;
  }

  /**
   * After a creation failed: ends whatever QEMU its spawn may have started all the same (a spawn
   * that ran after the workflow stopped waiting for it, or whose answer was lost with its worker)
   * and removes its runtime directory and, with {@code disksToo}, the disks it made. Each step is
   * idempotent: on a host where nothing was started, it finds nothing. The VM's state is left as
   * the failure made it. A host that cannot be reached for this leaves it to the orphan report.
   */
  void undoSpawn(boolean disksToo) {
    try {
      VmStatus status = host.call("end any QEMU the failed creation started", HostActivityOptions::kill, h -> h.kill(host.vmId()));
      host.call("remove the failed creation's runtime directory", HostActivityOptions::quick, h -> {
        h.cleanup(host.vmId());
        return null;
      });
      if (disksToo) {
        host.call("remove the failed creation's disks", HostActivityOptions::quick, h -> {
          h.removeDisks(host.vmId());
          return null;
        });
      }
      log.info("VM {}: the failed creation left nothing on host {} ({})", vm.name(), host.hostId(), status.reason());
    } catch (ApplicationFailure failure) {
      log.warn("VM {}: could not clear the failed creation from host {} ({}); a QEMU it may have started is reported as an orphan",
          vm.name(), host.hostId(), failure.getOriginalMessage());
    }
  }

  /**
   * Ends QEMU and removes its runtime directory and, with {@code disksToo}, the VM's own disks and
   * seed (after QEMU, which holds them); the VM stays DELETING until the caller says it is gone.
   */
  void removeFromHost(boolean disksToo) {
    vm.setState(VmState.DELETING, "deleting: stopping QEMU and removing its runtime directory");
    VmStatus status = host.call("kill QEMU for delete", HostActivityOptions::kill, h -> h.kill(host.vmId()));
    vm.change(record -> record.withStatus(status, now()).withState(VmState.DELETING, "deleting: removing the runtime directory", now()));
    host.call("remove runtime directory", HostActivityOptions::quick, h -> {
      h.cleanup(host.vmId());
      return null;
    });
    if (disksToo) {
      vm.setState(VmState.DELETING, "deleting: removing the VM's own disks");
      host.call("remove the VM's own disks and seed", HostActivityOptions::quick, h -> {
        h.removeDisks(host.vmId());
        return null;
      });
    }
  }
}
