package io.plasmavmc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine's load average as the benchmarks print it beside their figures (a shared machine skews them). */
final class MachineLoad {
  private MachineLoad() {}

  /** The 1, 5 and 15 minute load averages, or "unknown". */
  static String now() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException e) {
      return "unknown";
    }
  }
}
