package io.plasmavmc.host.qemu;

import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import java.util.Optional;

/** Maps what QEMU reports (its run state, or how it exited) onto PlasmaVMC's lifecycle states. */
public final class RunStates {
  private RunStates() {}

  /** A live QEMU in QMP run state {@code runState} (query-status). */
  public static VmStatus running(String vmId, long pid, String runState) {
    return switch (runState) {
      case "prelaunch" -> status(vmId, VmState.CREATED, runState, pid, "QEMU is up, guest not started yet");
      case "running" -> status(vmId, VmState.RUNNING, runState, pid, "guest is running");
      case "paused" -> status(vmId, VmState.PAUSED, runState, pid, "guest vCPUs are paused");
      case "suspended" -> status(vmId, VmState.PAUSED, runState, pid, "guest suspended itself (ACPI S3)");
      case "inmigrate", "postmigrate", "finish-migrate", "save-vm", "restore-vm", "colo", "debug" ->
          status(vmId, VmState.PAUSED, runState, pid, "guest is stopped by QEMU (" + runState + ")");
      case "shutdown" -> status(vmId, VmState.STOPPED, runState, pid, "guest powered off; QEMU still running");
      case "guest-panicked" -> status(vmId, VmState.CRASHED, runState, pid, "the guest kernel panicked");
      case "watchdog" -> status(vmId, VmState.CRASHED, runState, pid, "the guest watchdog fired");
      case "io-error" -> status(vmId, VmState.FAILED, runState, pid, "a disk I/O error stopped the guest");
      case "internal-error" -> status(vmId, VmState.FAILED, runState, pid, "QEMU hit an internal error (e.g. KVM failed)");
      default -> status(vmId, VmState.FAILED, runState, pid, "QEMU reports an unknown run state: " + runState);
    };
  }

  /** QEMU is gone; {@code exitReason} is the SHUTDOWN reason recorded in the runtime directory, if any. */
  public static VmStatus exited(String vmId, Optional<String> exitReason) {
    if (exitReason.isEmpty()) {
      return new VmStatus(vmId, VmState.CRASHED, "", 0, false,
          "QEMU exited without a shutdown event: killed from outside PlasmaVMC or crashed");
    }
    String reason = exitReason.get();
    return switch (reason) {
      case RuntimeDirectory.KILLED_BY_HOST -> gone(vmId, VmState.STOPPED, "stopped by PlasmaVMC (QEMU was ended)");
      case "guest-shutdown" -> gone(vmId, VmState.STOPPED, "the guest powered off");
      case "host-qmp-quit" -> gone(vmId, VmState.STOPPED, "QEMU quit on a QMP request");
      case "host-ui" -> gone(vmId, VmState.STOPPED, "QEMU was closed from its user interface");
      case "host-signal" -> gone(vmId, VmState.CRASHED, "QEMU was terminated by a signal sent on the host");
      case "guest-panic" -> gone(vmId, VmState.CRASHED, "the guest kernel panicked");
      case "host-error" -> gone(vmId, VmState.FAILED, "QEMU stopped on a host error");
      default -> gone(vmId, VmState.STOPPED, "QEMU exited (" + reason + ")");
    };
  }

  private static VmStatus status(String vmId, VmState state, String runState, long pid, String reason) {
    return new VmStatus(vmId, state, runState, pid, true, reason);
  }

  private static VmStatus gone(String vmId, VmState state, String reason) {
    return new VmStatus(vmId, state, "", 0, false, reason);
  }
}
