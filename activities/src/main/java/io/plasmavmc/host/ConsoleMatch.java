package io.plasmavmc.host;

/**
 * How a wait for a serial-console pattern ended: {@code matched}, with the matching {@code line}
 * (at most 200 characters) and when the host noticed it ({@code noticedAtMillis}, epoch ms); or
 * not, when the wait's own deadline passed or QEMU exited first.
 */
public record ConsoleMatch(boolean matched, String line, long noticedAtMillis) {
  public static ConsoleMatch none() {
    return new ConsoleMatch(false, "", 0);
  }
}
