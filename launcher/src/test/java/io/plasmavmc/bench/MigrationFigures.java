package io.plasmavmc.bench;

import io.plasmavmc.api.v1.Operation;
import io.plasmavmc.api.v1.Vm;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One completed migration as the VM's "migrate" operation records it: the hosts, QEMU's own
 * figures (query-migrate on the source, written by contract MigrationResult.figures()) and the
 * operation's span in the VM's workflow (from the request to the source's QEMU ended).
 */
record MigrationFigures(String from, String to, long totalMs, long downtimeMs, double mibSent, double mbps, long operationMs) {
  /** "ok: from host A to host B, 812 ms in all, 12 ms of downtime, 40.1 MiB sent at 417 Mbit/s"; what follows is not read. */
  private static final Pattern OUTCOME = Pattern.compile(
      "ok: from host (\\S+) to host (\\S+), (\\d+) ms in all, (\\d+) ms of downtime, ([0-9.]+) MiB sent at ([0-9.]+) Mbit/s");

  /** The VM's last migrate operation, if it is recorded and completed with figures. */
  static Optional<MigrationFigures> lastOf(Vm vm) {
    for (int i = vm.getRecentOperationsCount() - 1; i >= 0; i--) {
      Operation operation = vm.getRecentOperations(i);
      if (operation.getName().equals("migrate")) {
        return of(operation);
      }
    }
    return Optional.empty();
  }

  static Optional<MigrationFigures> of(Operation operation) {
    Matcher m = OUTCOME.matcher(operation.getOutcome());
    if (!m.lookingAt()) {
      return Optional.empty();
    }
    long span = (operation.getFinishedAt().getSeconds() - operation.getStartedAt().getSeconds()) * 1000
        + (operation.getFinishedAt().getNanos() - operation.getStartedAt().getNanos()) / 1_000_000;
    return Optional.of(new MigrationFigures(m.group(1), m.group(2), Long.parseLong(m.group(3)), Long.parseLong(m.group(4)),
        Double.parseDouble(m.group(5)), Double.parseDouble(m.group(6)), span));
  }
}
