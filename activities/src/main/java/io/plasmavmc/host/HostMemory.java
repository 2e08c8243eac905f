package io.plasmavmc.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's memory as the kernel tells it in /proc/meminfo, in MiB; 0 where it is not known. */
public final class HostMemory {
  private static final Path MEMINFO = Path.of("/proc/meminfo");

  private HostMemory() {}

  /** MemTotal: what the host has. */
  public static long totalMib() {
    return field(MEMINFO, "MemTotal");
  }

  /** MemAvailable: what new work could take without swapping (free memory plus caches the kernel can drop). */
  public static long availableMib() {
    return field(MEMINFO, "MemAvailable");
  }

  /** One field of a meminfo file ({@code name: N kB}), in MiB. */
  static long field(Path meminfo, String name) {
    try {
      for (String line : Files.readAllLines(meminfo)) {
        if (line.startsWith(name + ":")) {
          return Long.parseLong(line.substring(name.length() + 1).replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
