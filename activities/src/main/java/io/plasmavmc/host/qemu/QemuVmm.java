package io.plasmavmc.host.qemu;

import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.Heartbeats;
import io.plasmavmc.host.SpawnFailedException;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.qmp.QmpConnectionClosedException;
import io.plasmavmc.host.qmp.QmpEvent;
import io.plasmavmc.host.qmp.QmpException;
import io.plasmavmc.host.qmp.QmpReply;
import io.plasmavmc.host.storage.DiskLayout;
import io.plasmavmc.host.storage.QemuImgSnapshots;
import io.plasmavmc.host.storage.Snapshots;
import io.plasmavmc.host.vmm.GuestControl;
import io.plasmavmc.host.vmm.LaunchPlan;
import io.plasmavmc.host.vmm.MigrationStatus;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import io.plasmavmc.host.vmm.VmProcess;
import io.plasmavmc.host.vmm.Vmm;
import io.plasmavmc.host.vmm.VmmEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One VM's QEMU: its command line, its start in a session of its own, and its QMP connection.
 * QEMU's monitor serves one client at a time, so the connection is held and shared by every
 * caller (connecting per call would queue callers behind each other, and cost a greeting and a
 * negotiation each time); a held connection also hears the SHUTDOWN event that tells how QEMU
 * ended, which is recorded in the runtime directory.
 */
final class QemuVmm implements Vmm {
  private static final Logger log = LoggerFactory.getLogger(QemuVmm.class);

  private final QemuHypervisor qemu;
  private final RuntimeDirectory dir;
  /** Connecting can take up to the QMP timeout: callers wait for one connection, not each for its own. */
  private final Object connecting = new Object();
  private final AtomicReference<QmpClient> client = new AtomicReference<>();

  QemuVmm(QemuHypervisor qemu, RuntimeDirectory dir) {
    this.qemu = qemu;
    this.dir = dir;
  }

  @Override
  public LaunchPlan plan(VmSpec spec) {
    Accelerator accelerator = spec.accelerator().resolve(qemu.config.kvmUsable());
    DiskLayout disks = qemu.disks.plan(dir.vmId(), spec);
    return new LaunchPlan(spec, accelerator, qemu.commandLine.build(spec, dir, accelerator, disks), disks);
  }

  @Override
  public LaunchPlan planIncoming(VmSpec spec) {
    Accelerator accelerator = spec.accelerator().resolve(qemu.config.kvmUsable());
    DiskLayout disks = qemu.disks.plan(dir.vmId(), spec);
    return new LaunchPlan(spec, accelerator, qemu.commandLine.buildIncoming(spec, dir, accelerator, disks), disks);
  }

  @Override
  public String listenForState(VmProcess process, String address) {
    return migration().listen(address);
  }

  @Override
  public void sendState(VmProcess process, String uri, MigrationLimits limits) {
    migration().send(uri, limits);
  }

  @Override
  public MigrationStatus migrationStatus(VmProcess process) {
    return migration().status();
  }

  @Override
  public void cancelMigration(VmProcess process) {
    migration().cancel();
  }

  private QmpMigration migration() {
    return new QmpMigration(session(), qemu.config.qmpTimeout());
  }

  @Override
  public VmProcess spawnPaused(LaunchPlan plan) {
    QemuIdentity identity = qemu.config.qemuIdentity();
    try {
      if (identity != null) {
        identity.own(dir.path()); // QEMU, as its own user, writes its socket, pidfile and serial log here
      }
      Files.deleteIfExists(QemuCommandLine.qmpSocket(dir)); // a stale socket would look like a QEMU that is ready
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare runtime directory " + dir + " for QEMU", e);
    }
    dir.writeCommandLine(plan.command());
    VmSpec spec = plan.spec();
    long started = System.nanoTime();
    boolean madeDisks = makeDisks(plan);
    log.info("VM {}: starting QEMU ({}, {} MiB)", dir.vmId(), plan.accelerator().qemuName(), spec.memoryMib());
    try {
      qemu.launcher.launch(plan.command(), dir, identity, () -> Heartbeats.beat("starting QEMU"));
    } catch (SpawnFailedException e) {
      if (madeDisks) {
        qemu.disks.remove(dir.vmId()); // a VM refused at its first start leaves nothing
      }
      throw e.withDetail("QEMU printed: " + dir.readStderr());
    }
    long pid = dir.readPid().orElseThrow(() -> new SpawnFailedException("QEMU started but wrote no pidfile", "pidfile " + dir.pidFile()));
    VmProcess process = new VmProcess(pid, LinuxProcesses.startTime(pid), dir.path());
    connectAfterStart(process);
    log.info("VM {}: QEMU pid {} started paused ({}, {} MiB, {} vCPU) in {} ms", dir.vmId(), pid, plan.accelerator().qemuName(),
        spec.memoryMib(), spec.vcpus(), (System.nanoTime() - started) / 1_000_000);
    return process;
  }

  /** Makes what the VM's own storage lacks; returns whether its directory was made now. */
  private boolean makeDisks(LaunchPlan plan) {
    try {
      return qemu.diskMaker.make(dir.vmId(), plan.disks(), plan.spec());
    } catch (IOException | RuntimeException e) {
      if (e instanceof InvalidSpecException invalid) {
        throw invalid; // the image went away since the plan
      }
      throw new SpawnFailedException("the host could not make the VM's disks", "VM directory " + plan.disks().directory() + ": " + e, e);
    }
  }

  @Override
  public void removeDisks() {
    if (qemu.disks.remove(dir.vmId())) {
      log.info("VM {}: its own disks and seed removed", dir.vmId());
    }
  }

  @Override
  public Snapshots snapshots(VmSpec spec, Optional<VmProcess> running) {
    DiskLayout disks = qemu.disks.existing(dir.vmId(), spec);
    return Snapshots.of(disks, snapshotDisks -> running.isPresent()
        ? new QmpSnapshots(dir.vmId(), session(), snapshotDisks, qemu.config.qmpTimeout())
        : new QemuImgSnapshots(dir.vmId(), qemu.qemuImg, snapshotDisks));
  }

  /**
   * The QMP socket's file appears a moment before QEMU listens on it: a refused connection is
   * tried again for as long as QEMU runs, up to the spawn timeout.
   */
  private void connectAfterStart(VmProcess process) {
    long deadline = System.nanoTime() + qemu.config.spawnTimeout().toNanos();
    while (true) {
      try {
        session();
        return;
      } catch (QmpException e) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new SpawnFailedException("QEMU started but its monitor does not answer", "QEMU pid " + process.pid() + ", QMP socket "
              + QemuCommandLine.qmpSocket(dir) + ": " + e.getMessage(), e);
        }
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SpawnFailedException("interrupted while connecting to QEMU", "VM " + dir.vmId(), e);
      }
    }
  }

  @Override
  public VmStatus control(VmProcess process, GuestControl control) {
    String command = switch (control) {
      case START -> "cont";
      case PAUSE -> "stop";
      case RESET -> "system_reset";
      case POWER_BUTTON -> "system_powerdown";
    };
    QmpClient qmp = session();
    timed(qmp, command);
    return status(process, qmp);
  }

  @Override
  public VmStatus status(VmProcess process) {
    return status(process, session());
  }

  @Override
  public void quit(VmProcess process, Duration timeout) {
    Heartbeats.beat("QMP quit");
    try {
      session().quit(timeout);
    } catch (QmpException e) {
      log.warn("VM {}: QMP quit failed ({}); escalating to signals", dir.vmId(), e.getMessage());
    }
  }

  @Override
  public Events events(VmProcess process, Consumer<VmmEvent> listener) {
    QmpClient qmp = session();
    Consumer<QmpEvent> forward = event -> {
      if (VmmEvent.KINDS.contains(event.name())) {
        listener.accept(toVmmEvent(process, event));
      }
    };
    qmp.addEventListener(forward);
    return new Events() {
      @Override
      public CompletableFuture<Void> ended() {
        return qmp.closedFuture();
      }

      @Override
      public boolean awaitEnded(Duration timeout) {
        return qmp.awaitClosed(timeout);
      }

      @Override
      public void close() {
        qmp.removeEventListener(forward);
      }

      @Override
      public void disconnect() {
        close();
        drop(qmp);
      }
    };
  }

  @Override
  public Path console() {
    return dir.serialLog();
  }

  @Override
  public Path agent() {
    return QemuCommandLine.agentSocket(dir);
  }

  @Override
  public VmStatus exited() {
    return RunStates.exited(dir.vmId(), dir.exitReason());
  }

  @Override
  public void close() {
    drop(client.get());
  }

  /** QEMU's run state from query-status, attributed to its process and numbered as the reply was read. */
  private VmStatus status(VmProcess process, QmpClient qmp) {
    QmpReply reply = timed(qmp, "query-status");
    return RunStates.running(dir.vmId(), process.pid(), reply.value().path("status").asText())
        .of(process.pid(), process.startTime(), reply.observedAt());
  }

  /** A QMP command, its round trip reported to the timings. */
  private QmpReply timed(QmpClient qmp, String command) {
    long started = System.nanoTime();
    QmpReply reply = qmp.call(command, null, qemu.config.qmpTimeout());
    qemu.timings.qmp(command, System.nanoTime() - started);
    return reply;
  }

  /** A QMP event as the VM's workflow knows it; SHUTDOWN announces the run state QEMU is in after it. */
  private VmmEvent toVmmEvent(VmProcess process, QmpEvent event) {
    String detail = event.data() == null ? "" : event.data().toString();
    VmStatus announced = VmmEvent.SHUTDOWN.equals(event.name())
        ? RunStates.running(dir.vmId(), process.pid(), "shutdown").of(process.pid(), process.startTime(), event.observedAt())
        : null;
    return new VmmEvent(event.name(), detail, event.timestamp(), announced);
  }

  /** The open connection, connecting if there is none. */
  private QmpClient session() {
    QmpClient current = client.get();
    if (current != null && current.isOpen()) {
      return current;
    }
    synchronized (connecting) {
      current = client.get();
      if (current != null && current.isOpen()) {
        return current;
      }
      try {
        current = QmpClient.connect(QemuCommandLine.qmpSocket(dir), qemu.config.qmpTimeout());
      } catch (IOException e) {
        throw new QmpConnectionClosedException("cannot connect to the QMP socket of VM " + dir.vmId() + ": " + e.getMessage(), e);
      }
      current.addEventListener(this::recordShutdown);
      client.set(current);
      return current;
    }
  }

  private void recordShutdown(QmpEvent event) {
    if (VmmEvent.SHUTDOWN.equals(event.name())) {
      String reason = event.data().path("reason").asText("unknown");
      log.info("VM {}: QEMU reports SHUTDOWN ({})", dir.vmId(), reason);
      dir.recordExitIfAbsent(reason);
    }
  }

  /** Closes {@code qmp} if it still is the VM's connection: a newer one is left alone. */
  private void drop(QmpClient qmp) {
    if (qmp != null && client.compareAndSet(qmp, null)) {
      qmp.close();
    }
  }
}
