package io.plasmavmc.host.vm;

import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.host.vmm.VmProcess;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a starting worker finds on its host, as Nomad's RecoverTask rebuilds a task's handle from
 * what the task left: a handle for every VM with a runtime directory, attached to the process
 * that runs there, and a report of each VM, so an exit nobody watched is known at once.
 */
public final class Recovery {
  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  private Recovery() {}

  /**
   * Rebuilds the handles of every VM that has a runtime directory on this host and reports each, by
   * VM id: the state of its running process (its VMM's control channel attached), or the exit of
   * the process its pidfile names (attributed to that pid), numbered now. A VM whose process never
   * started here is not reported.
   */
  public static SortedMap<String, VmStatus> recover(HostedVms vms) {
    SortedMap<String, VmStatus> found = new TreeMap<>();
    for (HostedVm vm : vms.all()) {
      try {
        Optional<VmProcess> live = vm.process();
        OptionalLong pid = vm.directory().readPid();
        if (live.isPresent()) {
          found.put(vm.id(), vm.status());
        } else if (pid.isPresent()) {
          found.put(vm.id(), vm.exitOf(pid.getAsLong(), 0));
        }
      } catch (RuntimeException e) {
        log.warn("VM {}: cannot tell its state: {}", vm.id(), e.getMessage());
      }
    }
    log.info("recovered {} VMs: {} running", found.size(), found.values().stream().filter(VmStatus::alive).count());
    return found;
  }
}
