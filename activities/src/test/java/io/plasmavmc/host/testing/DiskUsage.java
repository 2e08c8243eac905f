package io.plasmavmc.host.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What du says files use together: the bytes allocated on the host's disk, and their apparent size (benchmarks). */
public final class DiskUsage {
  private DiskUsage() {}

  /** "12.3 MiB allocated (45.6 MiB apparent)" for {@code paths} together. */
  public static String of(List<Path> paths) throws Exception {
    return String.format("%.1f MiB allocated (%.1f MiB apparent)", total(paths) / 1048576.0, total(paths, "--apparent-size") / 1048576.0);
  }

  private static long total(List<Path> paths, String... options) throws Exception {
    List<String> command = new ArrayList<>(List.of("du", "-sc", "--block-size=1"));
    command.addAll(List.of(options));
    paths.forEach(p -> command.add(p.toString()));
    Process du = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    du.waitFor();
    String last = out.strip().lines().reduce((a, b) -> b).orElse("0");
    return Long.parseLong(last.split("\\s+")[0]);
  }
}
