package io.plasmavmc.host;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.host.GuestExecResult;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.host.HostEvent;
import io.plasmavmc.contract.host.ProbeResult;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.ImageRoots;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.qemu.QemuCommandLine;
import io.plasmavmc.host.qemu.QemuIdentity;
import io.plasmavmc.host.qemu.QemuLauncher;
import io.plasmavmc.host.qemu.QmpSessions;
import io.plasmavmc.host.qemu.RunStates;
import io.plasmavmc.host.qemu.RuntimeDirectory;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.qmp.QmpConnectionClosedException;
import io.plasmavmc.host.qmp.QmpException;
import io.plasmavmc.host.qmp.QmpReply;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityNotExistsException;
import io.temporal.client.WorkflowStub;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link HostActivities} on one host: QEMU processes, their runtime directories and QMP. */
public final class HostActivitiesImpl implements HostActivities, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostActivitiesImpl.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final HostConfig config;
  private final QemuCommandLine commandLine;
  private final QemuLauncher launcher;
  private final QmpSessions sessions;
  private final HostWatcher watcher;
  private final ConsoleWatcher consoles = new ConsoleWatcher(MONITOR_HEARTBEAT_INTERVAL);
  private final AgentWatcher agents = new AgentWatcher(MONITOR_HEARTBEAT_INTERVAL, 4);
  private final HostCapacity capacity;
  private final HostTimings timings;
  private final Map<String, Object> vmLocks = new ConcurrentHashMap<>();

  public HostActivitiesImpl(HostConfig config) {
    this(config, HostTimings.NONE);
  }

  public HostActivitiesImpl(HostConfig config, HostTimings timings) {
    this.config = config;
    this.timings = timings;
    this.commandLine = new QemuCommandLine(config.qemuBinary(), new ImageRoots(config.imageRoots()), config.kvmCpuModel());
    this.launcher = new QemuLauncher(config.spawnTimeout());
    this.sessions = new QmpSessions(config.qmpTimeout());
    this.capacity = new HostCapacity(config.limits());
    prepareRuntimeRoot();
    this.watcher = new HostWatcher(new HostWatcher.Host() {
      @Override
      public RuntimeDirectory directory(String vmId) {
        return HostActivitiesImpl.this.directory(vmId);
      }

      @Override
      public VmStatus queryStatus(String vmId) {
        return HostActivitiesImpl.this.queryStatus(vmId);
      }
    }, sessions, MONITOR_HEARTBEAT_INTERVAL, 8);
  }

  @Override
  public VmHandle spawn(String vmId, VmSpec spec) {
    RuntimeDirectory dir = directory(vmId);
    Accelerator accelerator = spec.accelerator().resolve(config.kvmUsable());
    // Built (and so validated, paths included) before anything is written: a refused spec leaves no trace.
    List<String> args = commandLine.build(spec, dir, accelerator);
    capacity.checkSpec(spec);
    synchronized (lock(vmId)) {
      boolean created = !dir.exists();
      try (java.nio.channels.FileLock spawnLock = dir.lockForSpawn()) {
        if (config.qemuIdentity() != null) {
          config.qemuIdentity().own(dir.path()); // QEMU, as its own user, writes its socket, pidfile and serial log here
        }
        OptionalLong running = livePid(dir);
        if (running.isPresent()) {
          log.info("VM {}: QEMU pid {} already runs from {}; re-attaching", vmId, running.getAsLong(), dir);
          return new VmHandle(vmId, running.getAsLong(), dir.path().toString(), accelerator, true, LinuxProcesses.startTime(running.getAsLong()));
        }
        capacity.reserve(vmId, spec, runningDirectories());
        try {
          return start(vmId, spec, dir, args, accelerator);
        } finally {
          capacity.release(vmId);
        }
      } catch (SpawnFailedException | HostFullException e) {
        if (e instanceof SpawnFailedException failed) {
          log.warn("VM {}: QEMU could not be started (error {}): {}", vmId, failed.errorId(), failed.detail());
        } else {
          log.warn("VM {}: refused: {}", vmId, e.getMessage());
        }
        if (created) {
          dir.delete(); // QEMU refused a VM that never ran here: nothing of it stays on the host
        }
        throw e;
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot release the spawn lock of " + dir, e);
      }
    }
  }

  /**
   * The QMP socket's file appears a moment before QEMU listens on it: a refused connection is
   * tried again for as long as QEMU runs, up to the spawn timeout.
   */
  private void connectAfterStart(RuntimeDirectory dir, long pid) {
    long deadline = System.nanoTime() + config.spawnTimeout().toNanos();
    while (true) {
      try {
        sessions.get(dir);
        return;
      } catch (IOException | QmpException e) {
        if (System.nanoTime() > deadline || !LinuxProcesses.isAliveAndOwned(pid, marker(dir))) {
          throw new SpawnFailedException("QEMU started but its monitor does not answer", "QEMU pid " + pid + ", QMP socket "
              + dir.qmpSocket() + ": " + e.getMessage(), e);
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

  /** Starts QEMU paused in {@code dir} and connects to its QMP socket; the caller holds the spawn lock. */
  private VmHandle start(String vmId, VmSpec spec, RuntimeDirectory dir, List<String> args, Accelerator accelerator) {
    dir.prepareForSpawn();
    dir.writeSpec(toJson(spec));
    dir.writeCommandLine(args);
    long started = System.nanoTime();
    log.info("VM {}: starting QEMU ({}, {} MiB)", vmId, accelerator.qemuName(), spec.memoryMib());
    long pid;
    try {
      try {
        launcher.launch(args, dir, config.qemuIdentity(), () -> Heartbeats.beat("starting QEMU"));
      } catch (SpawnFailedException e) {
        throw e.withDetail("QEMU printed: " + dir.readStderr());
      }
      pid = dir.readPid().orElseThrow(() -> new SpawnFailedException("QEMU started but wrote no pidfile", "pidfile " + dir.pidFile()));
      connectAfterStart(dir, pid);
    } catch (SpawnFailedException e) {
      timings.spawned(System.nanoTime() - started, false);
      throw e;
    }
    timings.spawned(System.nanoTime() - started, true);
    log.info("VM {}: QEMU pid {} started paused ({}, {} MiB, {} vCPU) in {} ms", vmId, pid, accelerator.qemuName(),
        spec.memoryMib(), spec.vcpus(), (System.nanoTime() - started) / 1_000_000);
    return new VmHandle(vmId, pid, dir.path().toString(), accelerator, false, LinuxProcesses.startTime(pid));
  }

  @Override
  public VmStatus spawnAndStart(String vmId, VmSpec spec) {
    spawn(vmId, spec);
    return cont(vmId);
  }

  @Override
  public VmStatus cont(String vmId) {
    return command(vmId, "cont");
  }

  @Override
  public VmStatus pause(String vmId) {
    return command(vmId, "stop");
  }

  @Override
  public VmStatus reset(String vmId) {
    return command(vmId, "system_reset");
  }

  @Override
  public VmStatus powerdown(String vmId) {
    return command(vmId, "system_powerdown");
  }

  @Override
  public VmStatus queryStatus(String vmId) {
    RuntimeDirectory dir = directory(vmId);
    OptionalLong pid = livePid(dir);
    if (pid.isEmpty()) {
      return goneStatus(dir);
    }
    try {
      return status(vmId, pid.getAsLong(), timed(session(dir), "query-status"));
    } catch (QmpConnectionClosedException | VmNotRunningException e) {
      // QEMU exited between the liveness check and the query.
      if (livePid(dir).isEmpty()) {
        return goneStatus(dir);
      }
      throw e;
    }
  }

  @Override
  public VmStatus kill(String vmId) {
    RuntimeDirectory dir = directory(vmId);
    synchronized (lock(vmId)) {
      OptionalLong found = livePid(dir);
      if (found.isEmpty()) {
        sessions.drop(vmId);
        return goneStatus(dir);
      }
      long pid = found.getAsLong();
      long startTime = LinuxProcesses.startTime(pid);
      String marker = marker(dir);
      dir.recordExitIfAbsent(RunStates.KILLED_BY_PLASMAVMC);
      Duration step = config.killStepTimeout();
      long started = System.nanoTime();
      log.info("VM {}: ending QEMU pid {}", vmId, pid);
      Heartbeats.beat("QMP quit");

      try {
        QmpClient client = sessions.get(dir);
        client.quit(step);
      } catch (IOException | QmpException e) {
        log.warn("VM {}: QMP quit failed ({}); escalating to signals", vmId, e.getMessage());
      }
      String how = "QMP quit";
      if (!LinuxProcesses.awaitGone(pid, marker, step)) {
        log.warn("VM {}: QEMU pid {} still runs {} s after quit; sending SIGTERM", vmId, pid, step.toSeconds());
        Heartbeats.beat("SIGTERM");
        how = "SIGTERM";
        LinuxProcesses.signal(pid, marker, false);
        if (!LinuxProcesses.awaitGone(pid, marker, step)) {
          log.warn("VM {}: QEMU pid {} ignored SIGTERM; sending SIGKILL", vmId, pid);
          Heartbeats.beat("SIGKILL");
          how = "SIGKILL";
          LinuxProcesses.signal(pid, marker, true);
          if (!LinuxProcesses.awaitGone(pid, marker, step.multipliedBy(2))) {
            throw new IllegalStateException("QEMU pid " + pid + " of VM " + vmId + " survived SIGKILL (stuck in the kernel?)");
          }
        }
      }
      sessions.drop(vmId);
      log.info("VM {}: QEMU pid {} ended by {} in {} ms", vmId, pid, how, (System.nanoTime() - started) / 1_000_000);
      return RunStates.exited(vmId, dir.exitReason()).of(pid, startTime, ObservationClock.next());
    }
  }

  @Override
  public VmStatus awaitExit(String vmId, Duration timeout) {
    RuntimeDirectory dir = directory(vmId);
    String marker = marker(dir);
    long deadline = System.nanoTime() + timeout.toNanos();
    long watchedPid = 0;
    long watchedStart = 0;
    while (true) {
      OptionalLong pid = livePid(dir);
      if (pid.isEmpty()) {
        sessions.drop(vmId);
        VmStatus gone = goneStatus(dir);
        return watchedPid == 0 ? gone : gone.of(watchedPid, watchedStart, gone.observedAt());
      }
      if (watchedPid != pid.getAsLong()) {
        watchedPid = pid.getAsLong();
        watchedStart = LinuxProcesses.startTime(watchedPid);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return queryStatus(vmId);
      }
      Duration slice = Duration.ofNanos(Math.min(left, Duration.ofSeconds(1).toNanos()));
      QmpClient client = null;
      try {
        client = sessions.get(dir);
      } catch (IOException | QmpException e) {
        log.debug("VM {}: no QMP connection while waiting for exit: {}", vmId, e.getMessage());
      }
      if (client != null) {
        // QMP end-of-file is the first sign QEMU is exiting; /proc then confirms the process is gone.
        if (client.awaitClosed(slice)) {
          LinuxProcesses.awaitGone(pid.getAsLong(), marker, Duration.ofNanos(Math.max(1, Math.min(left, Duration.ofSeconds(2).toNanos()))));
        }
      } else {
        LinuxProcesses.awaitGone(pid.getAsLong(), marker, Duration.ofNanos(Math.min(slice.toNanos(), Duration.ofMillis(100).toNanos())));
      }
      Heartbeats.beat("waiting for QEMU pid " + pid.getAsLong() + " to exit");
    }
  }

  /**
   * Hands the VM's QEMU to this host's {@link HostWatcher} and returns at once without completing:
   * no thread or activity slot waits on a watched VM. The watcher signals the workflow, heartbeats
   * the activity, and completes it when QEMU exits (or ends the watch when the activity is
   * cancelled, timed out, or its workflow is gone).
   */
  @Override
  public VmStatus monitor(String vmId, long pid, long startTime) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    // Signals go to the workflow that scheduled this activity, by id, through an untyped stub:
    // the host side knows no workflow code.
    WorkflowStub workflow = context.getWorkflowClient().newUntypedWorkflowStub(context.getInfo().getWorkflowId());
    return completeLater(vmId, "monitor", wanted -> watch(vmId, pid, startTime, event -> workflow.signal(HostEvent.SIGNAL, event), wanted));
  }

  /**
   * Hands a long wait to one of the host's watchers and returns without completing the activity:
   * no thread or slot waits. The watcher asks {@code wanted} every few seconds, which heartbeats
   * the activity (false once it was cancelled or timed out, or its workflow is gone: the wait
   * ends), and the activity completes with the wait's result.
   */
  private <T> T completeLater(String vmId, String what, java.util.function.Function<java.util.function.BooleanSupplier,
      java.util.concurrent.CompletableFuture<T>> wait) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    byte[] taskToken = context.getTaskToken();
    ActivityCompletionClient completion = context.getWorkflowClient().newActivityCompletionClient();
    context.doNotCompleteOnReturn();
    wait.apply(() -> {
      try {
        completion.heartbeat(taskToken, null);
        return true;
      } catch (ActivityCanceledException | ActivityNotExistsException e) {
        return false;
      } catch (RuntimeException e) {
        log.debug("VM {}: {} heartbeat failed ({}); trying again", vmId, what, e.getMessage());
        return true;
      }
    }).whenComplete((result, failure) -> {
      try {
        if (failure == null) {
          completion.complete(taskToken, result);
        } else if (!(failure instanceof java.util.concurrent.CancellationException)) {
          completion.completeExceptionally(taskToken, HostFailures.toFailure(failure));
        }
      } catch (ActivityNotExistsException | ActivityCanceledException e) {
        log.debug("VM {}: {} ended after its activity: {}", vmId, what, e.getMessage());
      } catch (RuntimeException e) {
        log.warn("VM {}: cannot complete the {} activity: {}", vmId, what, e.toString());
      }
    });
    return null;
  }

  @Override
  public ProbeResult awaitAgent(String vmId, Duration timeout) {
    RuntimeDirectory dir = directory(vmId);
    return completeLater(vmId, "agent wait", wanted -> agents.await(dir.agentSocket(), timeout, wanted));
  }

  @Override
  public boolean agentShutdown(String vmId) {
    RuntimeDirectory dir = directory(vmId);
    if (livePid(dir).isEmpty()) {
      throw new VmNotRunningException(vmId);
    }
    boolean asked = AgentWatcher.shutdown(dir.agentSocket(), Duration.ofSeconds(3));
    log.info("VM {}: {}", vmId, asked ? "guest agent asked to power off (guest-shutdown)" : "guest agent did not answer");
    return asked;
  }

  @Override
  public GuestExecResult guestExec(String vmId, GuestCommand command) {
    RuntimeDirectory dir = directory(vmId);
    if (livePid(dir).isEmpty()) {
      throw new VmNotRunningException(vmId);
    }
    GuestExecResult result = AgentExec.run(dir.agentSocket(), command);
    log.info("VM {}: guest command {} ended {} (exit code {})", vmId, command.path(), result.outcome(), result.exitCode());
    return result;
  }

  @Override
  public ProbeResult awaitConsole(String vmId, String pattern, long fromOffset, Duration timeout) {
    RuntimeDirectory dir = directory(vmId);
    return completeLater(vmId, "console wait", wanted -> consoles.await(dir.serialLog(), pattern, fromOffset, timeout, wanted));
  }

  /** Watches the VM's QEMU instance {@code pid}/{@code startTime} (0/0: whichever runs); see {@link HostWatcher#watch}. */
  public java.util.concurrent.CompletableFuture<VmStatus> watch(String vmId, long pid, long startTime, Consumer<HostEvent> reports,
      java.util.function.BooleanSupplier wanted) {
    return watcher.watch(vmId, pid, startTime, reports, wanted);
  }

  @Override
  public ConsoleTail readConsole(String vmId, int maxBytes) {
    RuntimeDirectory dir = directory(vmId);
    try (java.nio.channels.FileChannel log = java.nio.channels.FileChannel.open(dir.serialLog())) {
      long size = log.size();
      int length = (int) Math.min(size, Math.max(0, maxBytes));
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(length);
      long position = size - length;
      while (buffer.hasRemaining()) {
        int read = log.read(buffer, position + buffer.position());
        if (read < 0) {
          break;
        }
      }
      return new ConsoleTail(java.util.Arrays.copyOf(buffer.array(), buffer.position()), size);
    } catch (java.nio.file.NoSuchFileException e) {
      return new ConsoleTail(new byte[0], 0);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the serial log of VM " + vmId, e);
    }
  }

  @Override
  public void cleanup(String vmId) {
    RuntimeDirectory dir = directory(vmId);
    synchronized (lock(vmId)) {
      OptionalLong pid = livePid(dir);
      if (pid.isPresent()) {
        throw new VmStillRunningException(vmId, pid.getAsLong());
      }
      sessions.drop(vmId);
      dir.delete();
      log.info("VM {}: runtime directory {} removed", vmId, dir);
    }
    vmLocks.remove(vmId);
  }

  /**
   * What this host finds of every VM that has a runtime directory here, by VM id: the state of its
   * running QEMU, or the exit of the one its pidfile names (attributed to that pid), numbered now.
   * A worker that starts reports these to the VMs' workflows: an exit nobody watched is known at once.
   */
  public Map<String, VmStatus> survey() {
    Map<String, VmStatus> found = new java.util.TreeMap<>();
    for (RuntimeDirectory vm : directories()) {
      OptionalLong live = livePid(vm);
      try {
        if (live.isPresent()) {
          found.put(vm.vmId(), queryStatus(vm.vmId()));
        } else if (vm.readPid().isPresent()) {
          VmStatus gone = RunStates.exited(vm.vmId(), vm.exitReason());
          found.put(vm.vmId(), gone.of(vm.readPid().getAsLong(), 0, ObservationClock.next()));
        }
      } catch (RuntimeException e) {
        log.warn("VM {}: cannot tell its state: {}", vm.vmId(), e.getMessage());
      }
    }
    return found;
  }

  /**
   * QEMU's user may enter the runtime root (to reach its own VM's directory) but not list it; the
   * root and its parents must let it through, and the image roots must be readable to it.
   */
  private void prepareRuntimeRoot() {
    QemuIdentity identity = config.qemuIdentity();
    try {
      java.nio.file.Files.createDirectories(config.runtimeRoot());
      if (identity != null) {
        java.nio.file.Files.setPosixFilePermissions(config.runtimeRoot(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot prepare the runtime directory " + config.runtimeRoot(), e);
    }
    if (identity == null) {
      return;
    }
    if (!identity.canEnter(config.runtimeRoot())) {
      throw new IllegalStateException("QEMU's user " + identity.name() + " cannot enter the runtime directory " + config.runtimeRoot()
          + ": give it search permission (x) on it and on every directory above it, or choose another runtime directory");
    }
    for (java.nio.file.Path root : config.imageRoots()) {
      if (java.nio.file.Files.isDirectory(root) && !identity.canEnter(root)) {
        log.warn("QEMU's user {} cannot read the image root {} (or a directory above it): guests cannot use images from there",
            identity.name(), root);
      }
    }
  }

  /** The runtime directories of VMs on this host. */
  private List<RuntimeDirectory> directories() {
    List<RuntimeDirectory> found = new java.util.ArrayList<>();
    if (!java.nio.file.Files.isDirectory(config.runtimeRoot())) {
      return found;
    }
    try (var dirs = java.nio.file.Files.list(config.runtimeRoot())) {
      for (java.nio.file.Path dir : dirs.filter(java.nio.file.Files::isDirectory).toList()) {
        try {
          found.add(directory(dir.getFileName().toString()));
        } catch (InvalidSpecException notAVmDirectory) {
          // not a VM's directory
        }
      }
    } catch (IOException e) {
      log.warn("cannot list runtime directory {}: {}", config.runtimeRoot(), e.getMessage());
    }
    return found;
  }

  /** The VMs of this host whose QEMU runs now (runtime directory with a live, matching pid), by VM id and pid. */
  /** The runtime directories of the VMs whose QEMU runs now, by VM id. */
  private Map<String, RuntimeDirectory> runningDirectories() {
    Map<String, RuntimeDirectory> running = new java.util.HashMap<>();
    for (RuntimeDirectory vm : directories()) {
      if (livePid(vm).isPresent()) {
        running.put(vm.vmId(), vm);
      }
    }
    return running;
  }

  @Override
  public Map<String, Long> runningQemus() {
    Map<String, Long> running = new java.util.TreeMap<>();
    for (RuntimeDirectory vm : directories()) {
      livePid(vm).ifPresent(pid -> running.put(vm.vmId(), pid));
    }
    return running;
  }

  /** The runtime directory a VM has (or would have) on this host. */
  public RuntimeDirectory directory(String vmId) {
    return new RuntimeDirectory(config.runtimeRoot(), vmId);
  }

  @Override
  public void close() {
    watcher.close();
    consoles.close();
    agents.close();
    sessions.close();
  }

  private VmStatus command(String vmId, String qmpCommand) {
    RuntimeDirectory dir = directory(vmId);
    OptionalLong pid = livePid(dir);
    if (pid.isEmpty()) {
      throw new VmNotRunningException(vmId);
    }
    QmpClient client = session(dir);
    try {
      timed(client, qmpCommand);
      return status(vmId, pid.getAsLong(), timed(client, "query-status"));
    } catch (QmpConnectionClosedException e) {
      if (livePid(dir).isEmpty()) {
        throw new VmNotRunningException(vmId);
      }
      throw e;
    }
  }

  private QmpClient session(RuntimeDirectory dir) {
    try {
      return sessions.get(dir);
    } catch (IOException e) {
      if (livePid(dir).isEmpty()) {
        throw new VmNotRunningException(dir.vmId());
      }
      throw new QmpException("cannot connect to the QMP socket of VM " + dir.vmId() + ": " + e.getMessage(), e);
    }
  }

  /** The status of a VM whose QEMU is not running: how it exited, or that it never ran here. */
  private static VmStatus goneStatus(RuntimeDirectory dir) {
    VmStatus gone = dir.exists() ? RunStates.exited(dir.vmId(), dir.exitReason()) : RunStates.absent(dir.vmId());
    return gone.of(0, 0, ObservationClock.next());
  }

  /** A QMP command, its round trip reported to the timings. */
  private QmpReply timed(QmpClient client, String command) {
    long started = System.nanoTime();
    QmpReply reply = client.call(command, null, config.qmpTimeout());
    timings.qmp(command, System.nanoTime() - started);
    return reply;
  }

  /** QEMU's run state from a query-status reply, attributed to its instance and numbered as the reply was read. */
  private static VmStatus status(String vmId, long pid, QmpReply reply) {
    return RunStates.running(vmId, pid, reply.value().path("status").asText()).of(pid, LinuxProcesses.startTime(pid), reply.observedAt());
  }

  private OptionalLong livePid(RuntimeDirectory dir) {
    OptionalLong pid = dir.readPid();
    if (pid.isPresent() && LinuxProcesses.isAliveAndOwned(pid.getAsLong(), marker(dir))) {
      return pid;
    }
    return OptionalLong.empty();
  }

  /** A live QEMU of this VM names its runtime directory in its command line (pidfile, QMP socket). */
  private static String marker(RuntimeDirectory dir) {
    return dir.path() + "/";
  }

  private Object lock(String vmId) {
    return vmLocks.computeIfAbsent(vmId, id -> new Object());
  }

  private static String toJson(VmSpec spec) {
    try {
      return JSON.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the spec", e);
    }
  }
}
