package io.plasmavmc.host.vm;

import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.host.vmm.VmProcess;
import io.plasmavmc.host.vmm.Vmm;
import io.plasmavmc.host.vmm.VmmEvent;
import io.plasmavmc.host.vmm.VmmException;
import io.plasmavmc.support.DaemonThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monitors of this host's VMs: each follows one VM's process for its workflow, with one small
 * pool for the whole host instead of a thread (and an activity slot) per VM. A monitor listens to
 * its VM's VMM events (the VMM's connection reader is the only per-VM thread), reports the events
 * of note and the exit, and asks every few seconds whether anyone still wants it. A monitor's work
 * runs in order, one task at a time, on the shared pool.
 */
public final class VmMonitors implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmMonitors.class);
  private static final Duration REATTACH = Duration.ofMillis(200);

  private final HostedVms vms;
  private final ExecutorService pool;
  private final ScheduledExecutorService ticks;
  private final Map<Monitor, Boolean> monitors = new ConcurrentHashMap<>();

  public VmMonitors(HostedVms vms, Duration checkEvery, int threads) {
    this.vms = vms;
    this.pool = Executors.newFixedThreadPool(threads, DaemonThreads.named("vm-monitors"));
    this.ticks = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("vm-monitors-ticks"));
    ticks.scheduleWithFixedDelay(this::checkWanted, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Watches the VM's process {@code pid}/{@code startTime} (0/0: whichever runs now) until it
   * exits. Every report goes to {@code reports}; {@code wanted} is asked every few seconds, and a
   * false ends the watch (the future then fails with a CancellationException). The future
   * completes with the exit's status. A process that is not running, or not the one asked for, is
   * reported as exited at once, from what its runtime directory recorded.
   */
  public CompletableFuture<VmStatus> watch(String vmId, long pid, long startTime, Consumer<HostEvent> reports, BooleanSupplier wanted) {
    Monitor monitor = new Monitor(vms.get(vmId), pid, startTime, reports, wanted);
    monitors.put(monitor, Boolean.TRUE);
    monitor.ended.whenComplete((status, failure) -> monitors.remove(monitor));
    monitor.run(monitor::attach);
    return monitor.ended;
  }

  /** VMs watched now. */
  public int watching() {
    return monitors.size();
  }

  private void checkWanted() {
    for (Monitor monitor : monitors.keySet()) {
      monitor.run(monitor::checkWanted);
    }
  }

  @Override
  public void close() {
    ticks.shutdownNow();
    pool.shutdownNow();
    for (Monitor monitor : monitors.keySet()) {
      monitor.stop();
    }
  }

  /** One VM's monitor. Its tasks run one at a time, in order, on the shared pool. */
  private final class Monitor {
    final HostedVm vm;
    final Consumer<HostEvent> reports;
    final BooleanSupplier wanted;
    final CompletableFuture<VmStatus> ended = new CompletableFuture<>();
    final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    final AtomicBoolean draining = new AtomicBoolean();
    long pid;
    long startTime;
    VmProcess process;
    Vmm.Events feed;

    Monitor(HostedVm vm, long pid, long startTime, Consumer<HostEvent> reports, BooleanSupplier wanted) {
      this.vm = vm;
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
                log.warn("VM {}: monitor failed: {}", vm.id(), e.toString());
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
      } catch (RejectedExecutionException e) {
        draining.set(false); // the monitors are closing
      }
    }

    /** Finds the process, follows its VMM's events and says so (ATTACHED, with the VM's state now). */
    void attach() {
      Optional<VmProcess> live = vm.process();
      if (pid == 0 && live.isPresent()) {
        pid = live.get().pid();
        startTime = live.get().startTime();
      }
      if (live.isEmpty() || live.get().pid() != pid || (startTime != 0 && live.get().startTime() != startTime)) {
        exited(); // gone while nobody watched, or replaced by another process
        return;
      }
      process = live.get();
      Vmm.Events events;
      try {
        events = vm.events(process, event -> run(() -> onEvent(event)));
      } catch (VmmException e) {
        log.debug("VM {}: cannot attach yet: {}", vm.id(), e.getMessage());
        ticks.schedule(() -> run(this::attach), REATTACH.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      feed = events;
      events.ended().thenRun(() -> run(() -> onEnded(events)));
      report(HostEvent.ATTACHED, "monitor attached to QEMU pid " + pid, null);
    }

    void onEvent(VmmEvent event) {
      report(event.kind(), event.detail(), event);
    }

    /**
     * Reports {@code kind} with the VM's state right after it. The VMM may exit right after a
     * SHUTDOWN (QEMU does unless told not to): the event is still reported, with the state it
     * announces, and then the exit is looked for.
     */
    void report(String kind, String detail, VmmEvent event) {
      VmStatus status;
      try {
        status = vm.status();
      } catch (VmmException e) {
        status = null;
      }
      if (status == null || !status.alive()) {
        if (event != null && event.announced() != null) {
          reports.accept(new HostEvent(vm.id(), pid, kind, event.announced(), event.at(), detail));
        }
        onEnded(feed);
        return;
      }
      reports.accept(new HostEvent(vm.id(), pid, kind, status, event == null ? Instant.now() : event.at(), detail));
    }

    /** The end of the VMM's channel is the first sign of an exit; /proc tells whether it was one. */
    void onEnded(Vmm.Events ending) {
      if (ending != feed) {
        return; // an earlier connection's end, already handled
      }
      process.awaitGone(Duration.ofSeconds(2));
      if (process.isAlive()) {
        detach(); // the process lives, only the connection ended (dropped by an operation): attach again
        ticks.schedule(() -> run(this::attach), REATTACH.toMillis(), TimeUnit.MILLISECONDS);
        return;
      }
      exited();
    }

    void exited() {
      VmStatus status = vm.exitOf(pid, startTime);
      if (pid != 0) {
        log.info("VM {}: pid {} exited: {} ({})", vm.id(), pid, status.state(), status.reason());
      }
      if (feed != null) {
        feed.disconnect();
      }
      reports.accept(new HostEvent(vm.id(), pid, HostEvent.EXITED, status, Instant.now(), status.reason()));
      ended.complete(status);
    }

    void checkWanted() {
      if (!wanted.getAsBoolean()) {
        stop();
      }
    }

    void stop() {
      detach();
      ended.completeExceptionally(new CancellationException("the monitor of VM " + vm.id() + " is no longer wanted"));
    }

    private void detach() {
      if (feed != null) {
        feed.close();
      }
    }
  }
}
