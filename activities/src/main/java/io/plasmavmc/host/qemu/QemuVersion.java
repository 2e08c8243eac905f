package io.plasmavmc.host.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The version of a QEMU binary, as {@code qemu-system-x86_64 --version} prints it: "8.2.2", or "unknown". */
public final class QemuVersion {
  public static final String UNKNOWN = "unknown";
  private static final Pattern VERSION = Pattern.compile("version (\\S+)");
  /** Only the first line matters; a binary that prints more is cut off here. */
  private static final int MAX_OUTPUT = 4096;

  private QemuVersion() {}

  public static String of(Path qemuBinary) {
    try {
      Process qemu = new ProcessBuilder(List.of(qemuBinary.toString(), "--version")).redirectErrorStream(true).start();
      // Waited for before it is read: its few lines fit the pipe, and a binary that hangs costs 5 s, not the worker's start.
      if (!qemu.waitFor(5, TimeUnit.SECONDS)) {
        qemu.destroyForcibly();
        return UNKNOWN;
      }
      try (InputStream in = qemu.getInputStream()) {
        return qemu.exitValue() == 0 ? parse(new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8)) : UNKNOWN;
      }
    } catch (IOException e) {
      return UNKNOWN;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return UNKNOWN;
    }
  }

  /** "QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)" is 8.2.2. */
  static String parse(String output) {
    String first = output.lines().findFirst().orElse("");
    Matcher version = VERSION.matcher(first);
    return version.find() ? version.group(1) : UNKNOWN;
  }
}
