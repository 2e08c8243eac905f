package io.plasmavmc.cli;

import io.plasmavmc.api.v1.Snapshot;
import java.io.PrintStream;
import java.util.List;

/** A VM's snapshots as vmctl shows them: a table, or lines of its details. */
final class SnapshotPrinter {
  private static final String FORMAT = "%-24s %-24s %s%n";

  private SnapshotPrinter() {}

  static void table(PrintStream out, String vm, List<Snapshot> snapshots) {
    if (snapshots.isEmpty()) {
      out.printf("VM %s has no snapshots%n", vm);
      return;
    }
    out.printf(FORMAT, "SNAPSHOT", "TAKEN", "CONTENT");
    snapshots.forEach(snapshot -> out.printf(FORMAT, snapshot.getName(), VmPrinter.instant(snapshot.getCreatedAt()), content(snapshot)));
  }

  /** With its RAM (how much), or of the disks alone (taken while the VM was stopped). */
  static String content(Snapshot snapshot) {
    return snapshot.getWithMemory() ? "disks and RAM (" + Sizes.of(snapshot.getVmStateBytes()) + ")" : "disks only";
  }
}
