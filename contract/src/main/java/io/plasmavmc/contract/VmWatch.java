package io.plasmavmc.contract;

import java.util.List;

/** What a watcher reads in one query: the VM as it is and the state changes it has not seen yet. */
public record VmWatch(VmRecord vm, List<StateChange> changes) {
  public VmWatch {
    changes = changes == null ? List.of() : List.copyOf(changes);
  }
}
