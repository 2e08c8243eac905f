package io.plasmavmc.worker;

import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostMemory;
import io.plasmavmc.host.RunningVms;
import java.time.Instant;

/** What a host's reporter reads of its host: how many VMs run (cheap: read every tick) and its whole load (read to report it). */
interface HostLoadProbe {
  int runningVms();

  HostLoad load(long seq);

  /** The host's own: its running QEMUs and their saved specs, the kernel's MemAvailable. */
  static HostLoadProbe of(HostActivitiesImpl activities) {
    return new HostLoadProbe() {
      @Override
      public int runningVms() {
        return activities.runningCount();
      }

      @Override
      public HostLoad load(long seq) {
        RunningVms running = activities.runningVms();
        return new HostLoad(running.count(), running.size().vcpus(), running.size().memoryMib(), HostMemory.availableMib(), Instant.now(),
            seq);
      }
    };
  }
}
