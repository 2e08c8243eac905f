package io.plasmavmc.host.vmm;

import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.VmSpec;
import java.util.List;

/**
 * How a VMM will start a VM, worked out (and so checked) before anything is written: the spec, the
 * accelerator it runs under on this host (never AUTO), and the VMM's argument list, exec'd as it
 * is, never through a shell.
 */
public record LaunchPlan(VmSpec spec, Accelerator accelerator, List<String> command) {
  public LaunchPlan {
    command = List.copyOf(command);
  }
}
