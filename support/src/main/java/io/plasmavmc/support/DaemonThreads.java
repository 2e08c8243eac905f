package io.plasmavmc.support;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for a process's own background work (pools that watch, poll or tick): daemons, so they
 * never keep a process alive that is meant to end, and numbered under one name, so a thread dump
 * says whose they are.
 */
public final class DaemonThreads {
  private DaemonThreads() {}

  /** A factory of daemon threads named {@code name-1}, {@code name-2}, and so on. */
  public static ThreadFactory named(String name) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
