package io.plasmavmc.host.vmm;

import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.storage.DiskLayout;
import java.util.List;

/**
 * How a VMM will start a VM, worked out (and so checked) before anything is written: the spec, the
 * accelerator it runs under on this host (never AUTO), the VMM's argument list, exec'd as it
 * is, never through a shell, and where its disks are (its own ones made at the spawn if missing).
 */
public record LaunchPlan(VmSpec spec, Accelerator accelerator, List<String> command, DiskLayout disks) {
  public LaunchPlan {
    command = List.copyOf(command);
    disks = disks == null ? DiskLayout.NONE : disks;
  }

  /** A launch with no disks of the VM's own. */
  public LaunchPlan(VmSpec spec, Accelerator accelerator, List<String> command) {
    this(spec, accelerator, command, DiskLayout.NONE);
  }
}
