package io.plasmavmc.cli;

import io.plasmavmc.api.v1.VmState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The values some options take: shown in their help and offered by shell completion. */
final class Candidates {
  private Candidates() {}

  static final class Accelerators extends ArrayList<String> {
    Accelerators() {
      super(List.of("auto", "kvm", "tcg"));
    }
  }

  static final class TestGuests extends ArrayList<String> {
    TestGuests() {
      super(List.of("graceful", "stubborn", "agent"));
    }
  }

  /** The VM states of the API, as --state takes them: running, paused, host_unreachable, ... */
  static final class States extends ArrayList<String> {
    States() {
      super(Arrays.stream(VmState.values())
          .filter(state -> state != VmState.VM_STATE_UNSPECIFIED && state != VmState.UNRECOGNIZED)
          .map(state -> state.name().replace("VM_STATE_", "").toLowerCase(Locale.ROOT))
          .toList());
    }
  }
}
