package io.plasmavmc.host.testing;

import io.plasmavmc.host.qemu.LinuxProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** What a user would check with ps: the live (non-zombie) QEMU processes whose command line names a directory. */
public final class QemuProcessTable {
  private QemuProcessTable() {}

  public static List<Long> livePidsMentioning(Path directory) {
    String marker = directory.toAbsolutePath() + "/";
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      return procs.map(p -> p.getFileName().toString())
          .filter(name -> name.chars().allMatch(Character::isDigit))
          .map(Long::parseLong)
          .filter(pid -> LinuxProcesses.commandLine(pid).contains("qemu-system"))
          .filter(pid -> LinuxProcesses.isAliveAndOwned(pid, marker))
          .toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
