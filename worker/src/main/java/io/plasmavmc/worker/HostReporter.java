package io.plasmavmc.worker;

import io.plasmavmc.contract.fleet.FleetClient;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.plasmavmc.support.DaemonThreads;
import io.temporal.client.WorkflowNotFoundException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this host's workflow ({@code host-<id>}) informed, from a thread of its own: registers the
 * host when it starts (starting the workflow where none runs), then reports its load every
 * {@code period}, and at once when the number of VMs changes. Its thread ticks every {@code gap}
 * and sends at most one report a tick, so a host whose VMs come and go fast still reports at most
 * once a {@code gap}. A failed report is retried at the next tick: the host's workflow learns the
 * host is gone from reports that stop, not from one that failed.
 *
 * <p>Those reports are what keeps a busy host from being taken for a lost one (issue 20), so
 * their thread must get CPU on a host full of guests. A Java thread priority would not give it
 * any: HotSpot on Linux ignores priorities unless run as root with -XX:ThreadPriorityPolicy=1, and
 * even then only orders this JVM's own threads. What does is QEMU yielding to the whole worker:
 * it runs niced, its session too ({@code QemuPriority}, {@link LoadSettings#qemuNice()}).
 */
final class HostReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostReporter.class);
  static final Duration PERIOD = Duration.ofSeconds(10);
  static final Duration GAP = Duration.ofSeconds(2);

  private final FleetClient fleet;
  private final HostInfo info;
  private final HostLoadProbe probe;
  private final Duration period;
  private final Duration gap;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("host-reports"));
  // The reporter's thread alone reads and writes these.
  private boolean registered;
  private boolean registrationFailed;
  private long seq;
  private int reportedVms = -1;
  private long reportedAt;

  HostReporter(FleetClient fleet, HostInfo info, HostLoadProbe probe) {
    this(fleet, info, probe, PERIOD, GAP);
  }

  HostReporter(FleetClient fleet, HostInfo info, HostLoadProbe probe, Duration period, Duration gap) {
    this.fleet = fleet;
    this.info = info;
    this.probe = probe;
    this.period = period;
    this.gap = gap;
  }

  /**
   * Registers the host before it returns, waiting up to {@code registration} until placement can
   * see it (Temporal's visibility lists its workflow): a worker that says it is ready takes the
   * very first CreateVm, where otherwise a create sent at once was refused "no host has
   * registered". Then reports from its own thread; a host that could not register in time keeps
   * trying there.
   */
  HostReporter start(Duration registration) {
    long end = System.nanoTime() + registration.toNanos();
    while (!registered && System.nanoTime() < end) {
      try {
        register();
      } catch (RuntimeException e) {
        pause();
      }
    }
    while (registered && System.nanoTime() < end && !visible()) {
      pause();
    }
    // Happens-before: what this thread wrote is seen by the reporter's thread, which alone touches it from now on.
    thread.scheduleWithFixedDelay(this::tick, 0, gap.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private boolean visible() {
    try {
      return fleet.hostIds(FleetClient.MAX_HOSTS).contains(info.hostId());
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while registering the host", e);
    }
  }

  private void tick() {
    try {
      if (!registered) {
        register();
      }
      if (probe.runningVms() != reportedVms || System.nanoTime() - reportedAt >= period.toNanos()) {
        HostLoad load = probe.load(++seq);
        fleet.report(info.hostId(), load);
        reportedVms = load.vms();
        reportedAt = System.nanoTime();
      }
    } catch (WorkflowNotFoundException e) {
      registered = false; // the host's workflow was ended (by hand, in Temporal): the next tick registers the host anew
      log.info("host {}: its workflow {} is gone; registering the host again", info.hostId(), HostWorkflow.workflowId(info.hostId()));
    } catch (RuntimeException e) {
      log.debug("host {}: report not sent ({}); the next tick tries again", info.hostId(), e.toString());
    }
  }

  /** A host that cannot register is not in the fleet at all: said once as a warning, retried each tick. */
  private void register() {
    try {
      fleet.register(info);
    } catch (RuntimeException e) {
      if (!registrationFailed) {
        log.warn("host {}: cannot register with the fleet ({}); trying again every {} ms", info.hostId(), e.toString(), gap.toMillis());
        registrationFailed = true;
      }
      throw e;
    }
    registered = true;
    log.info("host {} registered with the fleet (workflow {}): {}, {} vCPUs, {} MiB, {}, QEMU {}, labels {}", info.hostId(),
        HostWorkflow.workflowId(info.hostId()), info.address(), info.vcpus(), info.memoryMib(), info.accelerator(), info.qemuVersion(),
        info.labels());
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
