package io.plasmavmc.host;

import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.qemu.QmpSessions;
import io.plasmavmc.host.qemu.RunStates;
import io.plasmavmc.host.qemu.RuntimeDirectory;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.qmp.QmpEvent;
import io.plasmavmc.host.qmp.QmpException;
import io.plasmavmc.support.DaemonThreads;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches every QEMU of this host for its VM's workflow, with one small pool for the whole host
 * instead of a thread (and an activity slot) per VM: each watch listens to its VM's QMP connection
 * (the connection's reader thread is the only per-VM thread), reports QMP events of note and the
 * exit, and asks every few seconds whether anyone still wants it. A watch's work runs in order,
 * one task at a time, on the shared pool.
 */
public final class HostWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostWatcher.class);
  private static final Set<String> WATCHED_EVENTS = Set.of("SHUTDOWN", "STOP", "RESUME", "RESET", "GUEST_PANICKED");
  private static final Duration REATTACH = Duration.ofMillis(200);

  /** How a watch reaches its VM: the runtime directory, and the live QEMU instance's status now. */
  public interface Host {
    RuntimeDirectory directory(String vmId);

    /** query-status of the VM's live QEMU, attributed and numbered. */
    VmStatus queryStatus(String vmId);
  }

  private final Host host;
  private final QmpSessions sessions;
  private final Duration checkEvery;
  private final ExecutorService pool;
  private final ScheduledExecutorService ticks;
  private final Map<Watch, Boolean> watches = new ConcurrentHashMap<>();

  public HostWatcher(Host host, QmpSessions sessions, Duration checkEvery, int threads) {
    this.host = host;
    this.sessions = sessions;
    this.checkEvery = checkEvery;
    this.pool = Executors.newFixedThreadPool(threads, DaemonThreads.named("host-watcher"));
    this.ticks = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("host-watcher-ticks"));
    ticks.scheduleWithFixedDelay(this::checkWanted, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Watches the VM's QEMU instance {@code pid}/{@code startTime} (0/0: whichever runs now) until it
   * exits. Every report goes to {@code reports}; {@code wanted} is asked every few seconds, and a
   * false ends the watch (the future then fails with a CancellationException). The future
   * completes with the exit's status. A QEMU that is not running, or not the instance asked for,
   * is reported as exited at once, from what its runtime directory recorded.
   */
  public CompletableFuture<VmStatus> watch(String vmId, long pid, long startTime, Consumer<HostEvent> reports, BooleanSupplier wanted) {
    Watch watch = new Watch(vmId, pid, startTime, reports, wanted);
    watches.put(watch, Boolean.TRUE);
    watch.ended.whenComplete((status, failure) -> watches.remove(watch));
    watch.run(watch::attach);
    return watch.ended;
  }

  /** VMs watched now. */
  public int watching() {
    return watches.size();
  }

  private void checkWanted() {
    for (Watch watch : watches.keySet()) {
      watch.run(watch::checkWanted);
    }
  }

  @Override
  public void close() {
    ticks.shutdownNow();
    pool.shutdownNow();
    for (Watch watch : watches.keySet()) {
      watch.stop();
    }
  }

  /** One VM's watch. Its tasks run one at a time, in order, on the shared pool. */
  private final class Watch {
    final String vmId;
    final RuntimeDirectory dir;
    final Consumer<HostEvent> reports;
    final BooleanSupplier wanted;
    final CompletableFuture<VmStatus> ended = new CompletableFuture<>();
    final java.util.Queue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    final java.util.concurrent.atomic.AtomicBoolean draining = new java.util.concurrent.atomic.AtomicBoolean();
    long pid;
    long startTime;
    QmpClient client;
    Consumer<QmpEvent> listener;

    Watch(String vmId, long pid, long startTime, Consumer<HostEvent> reports, BooleanSupplier wanted) {
      this.vmId = vmId;
      this.dir = host.directory(vmId);
      this.pid = pid;
      this.startTime = startTime;
      this.reports = reports;
      this.wanted = wanted;
    }

    void run(Runnable task) {
      if (ended.isDone()) {
        return;
      }
      tasks.add(task);
      drain();
    }

    private void drain() {
      if (!draining.compareAndSet(false, true)) {
        return;
      }
      try {
        pool.execute(() -> {
          try {
            Runnable task;
            while ((task = tasks.poll()) != null && !ended.isDone()) {
              try {
                task.run();
              } catch (RuntimeException e) {
                log.warn("VM {}: watch failed: {}", vmId, e.toString());
                ended.completeExceptionally(e);
                detach();
              }
            }
          } finally {
            draining.set(false);
            if (!tasks.isEmpty() && !ended.isDone()) {
              drain();
            }
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        draining.set(false); // the watcher is closing
      }
    }

    /** Finds the instance, connects to its QMP socket and says so (ATTACHED, with QEMU's state now). */
    void attach() {
      long live = dir.readPid().orElse(0);
      boolean alive = live > 0 && LinuxProcesses.isAliveAndOwned(live, marker());
      long liveStart = alive ? LinuxProcesses.startTime(live) : 0;
      if (pid == 0 && alive) {
        pid = live;
        startTime = liveStart;
      }
      if (!alive || live != pid || (startTime != 0 && liveStart != startTime)) {
        exited(); // gone while nobody watched, or replaced by another instance
        return;
      }
      try {
        client = sessions.get(dir);
      } catch (IOException | QmpException e) {
        log.debug("VM {}: cannot attach yet: {}", vmId, e.getMessage());
        ticks.schedule(() -> run(this::attach), REATTACH.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      listener = event -> run(() -> onEvent(event));
      client.addEventListener(listener);
      QmpClient attached = client;
      client.closedFuture().thenRun(() -> run(() -> onClosed(attached)));
      report(HostEvent.ATTACHED, "monitor attached to QEMU pid " + pid, null);
    }

    void onEvent(QmpEvent event) {
      if (WATCHED_EVENTS.contains(event.name())) {
        report(event.name(), event.data() == null ? "" : event.data().toString(), event);
      }
    }

    /**
     * Reports {@code kind} with QEMU's state right after it. QEMU may exit right after a SHUTDOWN
     * (it does unless told not to): the event is still reported, with the run state it announces,
     * and then the exit is looked for.
     */
    void report(String kind, String detail, QmpEvent event) {
      VmStatus status;
      try {
        status = host.queryStatus(vmId);
      } catch (QmpException | VmNotRunningException e) {
        status = null;
      }
      if (status == null || !status.alive()) {
        if (event != null && "SHUTDOWN".equals(event.name())) {
          reports.accept(new HostEvent(vmId, pid, kind,
              RunStates.running(vmId, pid, "shutdown").of(pid, startTime, event.observedAt()), event.timestamp(), detail));
        }
        onClosed(client);
        return;
      }
      reports.accept(new HostEvent(vmId, pid, kind, status, event == null ? Instant.now() : event.timestamp(), detail));
    }

    /** QMP end-of-file is the first sign of QEMU exiting; /proc tells whether it did. */
    void onClosed(QmpClient closed) {
      if (closed != client) {
        return; // an earlier connection's end, already handled
      }
      LinuxProcesses.awaitGone(pid, marker(), Duration.ofSeconds(2));
      if (LinuxProcesses.isAliveAndOwned(pid, marker()) && LinuxProcesses.startTime(pid) == startTime) {
        detach(); // QEMU lives, only the connection ended (dropped by an operation): attach again
        ticks.schedule(() -> run(this::attach), REATTACH.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      exited();
    }

    void exited() {
      VmStatus status = RunStates.exited(vmId, dir.exitReason()).of(pid, startTime, ObservationClock.next());
      if (pid != 0) {
        log.info("VM {}: QEMU pid {} exited: {} ({})", vmId, pid, status.state(), status.reason());
      }
      detach();
      sessions.drop(vmId, client);
      reports.accept(new HostEvent(vmId, pid, HostEvent.EXITED, status, Instant.now(), status.reason()));
      ended.complete(status);
    }

    void checkWanted() {
      if (!wanted.getAsBoolean()) {
        stop();
      }
    }

    void stop() {
      detach();
      ended.completeExceptionally(new CancellationException("the watch of VM " + vmId + " is no longer wanted"));
    }

    private void detach() {
      if (client != null && listener != null) {
        client.removeEventListener(listener);
      }
      listener = null;
    }

    private String marker() {
      return dir.path() + "/";
    }
  }
}
