package io.plasmavmc.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.host.testing.ScratchDirectories;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A closed LocalStack leaves no thread that keeps the JVM alive: a program whose main returns after
 * closing it (the benchmarks of tools/) must end by itself. The Temporal SDK's metrics reporter was
 * such a thread (tools/bench-lifecycle.sh never exited).
 */
class LocalStackThreadsTest {
  @Test
  void closingTheStackEndsEveryNonDaemonThreadItStarted() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    Path data = Files.createTempDirectory("plasmavmc-threads");
    Path runtime = Files.createTempDirectory("plasmavmc-threads-run");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (LocalStack stack = new LocalStack(new LocalStack.Settings(new LocalStack.TemporalSettings(port, -1, data),
        LocalStack.ApiSettings.loopback(0, data.resolve("config")), "threads", runtime, Path.of("/usr/bin/qemu-system-x86_64"),
        List.of(), "auto", Duration.ofSeconds(5), "report"))) {
      stack.start();
    }
    // Executors end their threads asynchronously after a shutdown: wait for each one to end, up to a deadline.
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (!before.contains(thread) && !thread.isDaemon()) {
        thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
    }
    List<String> lingering = Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> !before.contains(e.getKey()) && !e.getKey().isDaemon() && e.getKey().isAlive())
        .map(e -> e.getKey().getName() + " at " + List.of(e.getValue()).stream().limit(12).map(String::valueOf)
            .collect(Collectors.joining("\n    ", "\n    ", "")))
        .toList();
    assertTrue(lingering.isEmpty(), "non-daemon threads still alive after LocalStack.close(): " + lingering);
    ScratchDirectories.delete(data, runtime);
  }
}
