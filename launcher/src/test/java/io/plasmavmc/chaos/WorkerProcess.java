package io.plasmavmc.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A host worker in its own JVM (`plasmavmc host-worker`), so a test can SIGKILL it at a chosen
 * moment: when a line it logs contains a given text.
 */
final class WorkerProcess {
  private record Trigger(String text, Runnable action, CompletableFuture<Void> done) {}

  private final List<String> command;
  private final List<Trigger> triggers = new CopyOnWriteArrayList<>();
  private volatile Process process;
  private int starts;

  WorkerProcess(String temporalAddress, String hostId, Path runtimeDir, Path imageRoot) {
    command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"),
        "io.plasmavmc.launcher.PlasmaVmc", "host-worker",
        "--temporal-address", temporalAddress,
        "--host-id", hostId,
        "--runtime-dir", runtimeDir.toString(),
        "--image-root", imageRoot.toString()));
  }

  /** Starts the worker and waits until it polls its queues. */
  void start() throws Exception {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Process started = new ProcessBuilder(command).redirectErrorStream(true).start();
    process = started;
    int number = ++starts;
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          System.out.println("[worker#" + number + "] " + line);
          if (line.contains("host worker ready")) {
            ready.complete(null);
          }
          for (Trigger trigger : triggers) {
            if (line.contains(trigger.text()) && triggers.remove(trigger)) {
              trigger.action().run();
              trigger.done().complete(null);
            }
          }
        }
      } catch (IOException e) {
        // the worker is gone
      }
      ready.completeExceptionally(new IllegalStateException("worker #" + number + " ended before it was ready"));
    }, "worker-output-" + number);
    reader.setDaemon(true);
    reader.start();
    ready.get(60, TimeUnit.SECONDS);
  }

  /** SIGKILLs the worker as soon as it logs a line containing {@code text}. */
  CompletableFuture<Void> killWhenItLogs(String text) {
    Process current = process;
    return whenItLogs(text, () -> {
      current.destroyForcibly(); // SIGKILL
      try {
        current.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
  }

  /** Runs {@code action} (a fault elsewhere) as soon as the worker logs a line containing {@code text}. */
  CompletableFuture<Void> whenItLogs(String text, Runnable action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    triggers.add(new Trigger(text, action, done));
    return done;
  }

  void kill() throws InterruptedException {
    Process current = process;
    if (current != null && current.isAlive()) {
      current.destroyForcibly();
      current.waitFor();
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }
}
