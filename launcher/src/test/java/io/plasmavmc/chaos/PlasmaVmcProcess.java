package io.plasmavmc.chaos;

import io.plasmavmc.host.HostStorage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A PlasmaVMC process in its own JVM (`plasmavmc host-worker`, or the whole `plasmavmc up`), so a
 * test can SIGKILL it at a chosen moment: when a line it logs
 * contains a given text.
 */
final class PlasmaVmcProcess {
  private record Trigger(String text, Runnable action, CompletableFuture<Void> done) {}

  private final String label;
  private final String readyLine;
  private final List<String> command;
  private final List<Trigger> triggers = new CopyOnWriteArrayList<>();
  private volatile Process process;
  /** What the process now running has printed so far. */
  private volatile List<String> output = List.of();
  private int starts;

  private PlasmaVmcProcess(String label, String readyLine, List<String> arguments) {
    this.label = label;
    this.readyLine = readyLine;
    command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"),
        "io.plasmavmc.launcher.PlasmaVmc"));
    command.addAll(arguments);
  }

  /**
   * A host worker (without Spring, it starts in about a second) keeping its images and VMs' disks in
   * {@code storage}. The chaos suite keeps a dozen 1-vCPU VMs on a CI machine of 2 CPUs, past the
   * default CPU allocation ratio's 8 vCPUs: the worker admits 16 per CPU, so that what fails is the
   * fault under test, not admission.
   */
  static PlasmaVmcProcess hostWorker(String temporalAddress, String hostId, Path runtimeDir, Path imageRoot,
      HostStorage storage) {
    return hostWorker(temporalAddress, hostId, runtimeDir, imageRoot, storage, List.of());
  }

  /** As {@link #hostWorker(String, String, Path, Path, HostStorage)}, with {@code extra} options (e.g. {@code --label k=v}). */
  static PlasmaVmcProcess hostWorker(String temporalAddress, String hostId, Path runtimeDir, Path imageRoot,
      HostStorage storage, List<String> extra) {
    List<String> arguments = new ArrayList<>(List.of("host-worker",
        "--temporal-address", temporalAddress,
        "--host-id", hostId,
        "--runtime-dir", runtimeDir.toString(),
        "--image-root", imageRoot.toString(),
        "--image-store", storage.imageStore().toString(),
        "--import-dir", storage.importDir().toString(),
        "--vms-dir", storage.vmsDir().toString(),
        "--cpu-allocation-ratio", "16"));
    arguments.addAll(extra);
    // Labelled by its host: a stack of two hosts prints both workers' lines.
    return new PlasmaVmcProcess("worker " + hostId, "host worker ready", arguments);
  }

  /** The whole stack as `./plasmavmc up OPTIONS` runs it: Temporal's dev server (a child process), worker and gateway. */
  static PlasmaVmcProcess up(List<String> options) {
    List<String> arguments = new ArrayList<>(List.of("up"));
    arguments.addAll(options);
    return new PlasmaVmcProcess("stack", "plasmavmc is up", arguments);
  }

  /** Starts the process and waits until it says it is ready. */
  void start() throws Exception {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Process started = new ProcessBuilder(command).redirectErrorStream(true).start();
    process = started;
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    output = log;
    int number = ++starts;
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
          // The fault first, printing after: a kill lands within a millisecond or two of the line.
          for (Trigger trigger : triggers) {
            if (line.contains(trigger.text()) && triggers.remove(trigger)) {
              trigger.action().run();
              trigger.done().complete(null);
            }
          }
          System.out.println("[" + label + "#" + number + "] " + line);
          log.add(line);
          if (line.contains(readyLine)) {
            ready.complete(null);
          }
        }
      } catch (IOException e) {
        // the process is gone
      }
      ready.completeExceptionally(new IllegalStateException(label + " #" + number + " ended before it was ready"));
    }, label + "-output-" + number);
    reader.setDaemon(true);
    reader.start();
    ready.get(90, TimeUnit.SECONDS);
  }

  /** The lines the process started last has printed so far that contain {@code text}. */
  List<String> printed(String text) {
    List<String> lines = output;
    synchronized (lines) {
      return lines.stream().filter(line -> line.contains(text)).toList();
    }
  }

  /** SIGKILLs the process (and its children) as soon as it logs a line containing {@code text}. */
  CompletableFuture<Void> killWhenItLogs(String text) {
    return whenItLogs(text, this::kill);
  }

  /** Runs {@code action} (a fault elsewhere) as soon as the process logs a line containing {@code text}. */
  CompletableFuture<Void> whenItLogs(String text, Runnable action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    triggers.add(new Trigger(text, action, done));
    return done;
  }

  /**
   * SIGKILLs the process alone, as the OOM killer or {@code kill -9} would. Its QEMUs run on (each
   * in a session of its own); a Temporal dev server it started must die with it, by the parent-death
   * signal the stack set, and this waits for that.
   */
  void kill() {
    Process current = process;
    if (current == null) {
      return;
    }
    List<ProcessHandle> servers = temporalServers();
    current.destroyForcibly();
    current.onExit().orTimeout(10, TimeUnit.SECONDS).join();
    for (ProcessHandle server : servers) {
      server.onExit().orTimeout(10, TimeUnit.SECONDS).join();
    }
  }

  /** Ends the process as Ctrl-C would (SIGTERM) and waits for it. */
  void stop() throws InterruptedException {
    Process current = process;
    if (current != null && current.isAlive()) {
      current.destroy();
      if (!current.waitFor(30, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  /** The Temporal dev servers the process runs as its children now (its QEMUs are children too). */
  List<ProcessHandle> temporalServers() {
    Process current = process;
    return current == null ? List.of() : current.children()
        .filter(child -> child.info().command().map(command -> command.endsWith("/temporal")).orElse(false))
        .toList();
  }

  boolean alive() {
    return process != null && process.isAlive();
  }
}
