package io.plasmavmc.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One host of the test cluster: a network namespace of its own with an address on the cluster's
 * bridge (its veth's other end), as a KVM host has its own address on a site's network. What runs
 * in it (the host's worker, the QEMUs the worker spawns) reaches Temporal only over that link.
 */
final class HostNamespace {
  private static final Duration IP_LIMIT = Duration.ofSeconds(20);
  private static final Duration GONE_LIMIT = Duration.ofSeconds(15);

  private final Path ip;
  private final String name;
  private final String link;
  private final String address;
  private boolean created;

  HostNamespace(Path ip, String name, String link, String address) {
    this.ip = ip;
    this.name = name;
    this.link = link;
    this.address = address;
  }

  void create(String bridge) {
    ip("netns", "add", name);
    created = true;
    // The peer is made inside the namespace, as the host's eth0; the root end joins the bridge.
    ip("link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", name);
    ip("link", "set", link, "master", bridge);
    ip("link", "set", link, "up");
    ip("-n", name, "address", "add", address + "/24", "dev", "eth0");
    ip("-n", name, "link", "set", "eth0", "up");
    ip("-n", name, "link", "set", "lo", "up");
  }

  String name() {
    return name;
  }

  String address() {
    return address;
  }

  /** {@code command} run inside this namespace (`ip netns exec` execs it: the pid stays the program's). */
  List<String> exec(List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of(ip.toString(), "netns", "exec", name));
    wrapped.addAll(command);
    return wrapped;
  }

  /**
   * Cuts (or mends) the host's link as a pulled cable would: its root end goes down, so the host
   * loses its carrier and every packet either way is dropped; no connection is reset, the worker
   * and its QEMUs run on.
   */
  void setLinkUp(boolean up) {
    ip("link", "set", link, up ? "up" : "down");
  }

  /** The namespace's identity as /proc/PID/ns/net shows it for a process inside ("net:[INODE]"). */
  String identity() {
    try {
      return "net:[" + Files.getAttribute(Path.of("/run/netns", name), "unix:ino") + "]";
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /run/netns/" + name + ": " + e.getMessage(), e);
    }
  }

  /** The processes in this namespace now (the worker and its QEMUs). */
  List<Long> pids() {
    return pidsIn(ip, name);
  }

  /** Ends every process in the namespace (SIGKILL), removes it with its link. */
  void delete() {
    if (!created) {
      return;
    }
    killProcessesIn(ip, name);
    ip("netns", "delete", name);
    // The veth pair dies with its namespace end; its root end may linger for a moment.
    Command.of(ip.toString(), "link", "delete", link).attempt(IP_LIMIT);
    created = false;
  }

  static List<Long> pidsIn(Path ip, String namespace) {
    return Command.of(ip.toString(), "netns", "pids", namespace).run(IP_LIMIT).lines()
        .map(String::strip).filter(line -> !line.isEmpty()).map(Long::parseLong).toList();
  }

  /** SIGKILLs every process in {@code namespace} and waits until they are gone. */
  static void killProcessesIn(Path ip, String namespace) {
    List<ProcessHandle> processes = pidsIn(ip, namespace).stream().flatMap(pid -> ProcessHandle.of(pid).stream()).toList();
    processes.forEach(ProcessHandle::destroyForcibly);
    long deadline = System.nanoTime() + GONE_LIMIT.toNanos();
    for (ProcessHandle process : processes) {
      try {
        process.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // a process still alive is reported below
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while ending the processes of " + namespace, e);
      }
    }
    List<Long> left = pidsIn(ip, namespace).stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .filter(pid -> !zombie(pid)).toList();
    if (!left.isEmpty()) {
      throw new IllegalStateException("processes " + left + " in namespace " + namespace + " survived SIGKILL for " + GONE_LIMIT.toSeconds() + " s");
    }
  }

  private static boolean zombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return true; // gone
    }
  }

  private void ip(String... arguments) {
    List<String> command = new ArrayList<>(List.of(ip.toString()));
    command.addAll(List.of(arguments));
    Command.of(command).run(IP_LIMIT);
  }
}
