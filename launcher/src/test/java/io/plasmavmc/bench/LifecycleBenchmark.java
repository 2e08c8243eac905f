package io.plasmavmc.bench;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.cli.BearerToken;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.testing.Percentiles;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.launcher.LocalCredentials;
import io.plasmavmc.launcher.LocalStack;
import io.plasmavmc.launcher.TemporalDevServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Lifecycle figures through the gRPC API on real QEMU, with the local stack's Temporal dev server
 * (SQLite): cold (the first {@code -Druns}
 * lifecycles after start-up) and, with {@code -Dwarm=N}, warm (N more, with the memory of the
 * PlasmaVMC JVM and of the Temporal server sampled along the way): CreateVm(start) until RUNNING,
 * StopVm(force), DeleteVm, GetVm, graceful StopVm of the graceful test guest; and 100 VMs created,
 * stopped and deleted concurrently. Run: {@code tools/bench-lifecycle.sh}.
 */
public final class LifecycleBenchmark {
  /**
   * The fleet's hundreds of 1-vCPU VMs run on a 2-core machine: far past the default CPU allocation
   * ratio's 8 vCPUs. The benchmark measures PlasmaVMC, not admission: the ratio is lifted.
   */
  private static final HostLimits FLEET_LIMITS = new HostLimits(List.of("127.0.0.1"), 1024, 65535, 1000, 1.5, 1000);

  public static void main(String[] args) throws Exception {
    int runs = Integer.getInteger("runs", 25);
    int warm = Integer.getInteger("warm", 0);
    int fleet = Integer.getInteger("fleet", 100);
    Path runtime = Files.createTempDirectory("plasmavmc-bench");
    int temporalPort;
    try (ServerSocket s = new ServerSocket(0)) {
      temporalPort = s.getLocalPort();
    }
    Path data = Files.createTempDirectory("plasmavmc-bench-temporal");
    try (LocalStack stack = new LocalStack(new LocalStack.Settings(new LocalStack.TemporalSettings(temporalPort, -1, data),
        LocalStack.ApiSettings.loopback(0, data.resolve("config")), "bench", runtime, Path.of("/usr/bin/qemu-system-x86_64"), List.of(TestGuest.dir()), "auto", Duration.ofSeconds(15),
        "report").withLimits(FLEET_LIMITS)).start()) {
      ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + stack.grpcPort(), InsecureChannelCredentials.create()).build();
      VmServiceGrpc.VmServiceBlockingStub vms = VmServiceGrpc.newBlockingStub(channel).withCallCredentials(
          new BearerToken(LocalCredentials.readToken(data.resolve("config")).orElseThrow()));
      VmSpec bare = VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).build();
      long serverPid = stack.temporal() instanceof TemporalDevServer dev ? dev.pid() : -1;
      String server = "Temporal dev server (SQLite)";

      lifecycles(vms, bare, runtime, "warm-up", 5, null);
      Lifecycles cold = lifecycles(vms, bare, runtime, "vm", runs, null);
      double[] coldGet = gets(vms, bare);
      double[] graceful = gracefulStops(vms, runtime, Integer.getInteger("gracefulRuns", Math.max(20, runs)));

      System.out.println();
      System.out.printf("lifecycle benchmark, %s: cold = the first %d lifecycles after start-up (and 5 warm-up ones); gRPC on loopback; "
          + "bare VMs: 64 MiB, no kernel, %s%n", server, runs, cold.accelerator);
      System.out.println("| figure (cold) | p50 | p99 | target |");
      System.out.println("|---|---|---|---|");
      row("CreateVm(start) -> RUNNING (" + cold.accelerator + ", 64 MiB)", cold.create, "<= 120 ms");
      row("StopVm(force) -> STOPPED", cold.stop, "-");
      row("graceful StopVm, graceful guest (TCG, 128 MiB)", graceful, "<= 110 ms");
      row("GetVm", coldGet, "-");
      row("DeleteVm (stopped VM)", cold.delete, "-");

      if (warm > 0) {
        List<String> memory = new ArrayList<>();
        Lifecycles hot = lifecycles(vms, bare, runtime, "hot", warm, done -> {
          if (done % Math.max(1, warm / 6) == 0 || done == warm) {
            memory.add(memory(done, serverPid));
          }
        });
        double[] hotGet = gets(vms, bare);
        System.out.println();
        System.out.printf("warm: %d more lifecycles (CreateVm(start), GetVm, StopVm(force), DeleteVm) after those, %s%n", warm, server);
        System.out.println("| figure (warm) | p50 | p99 | target |");
        System.out.println("|---|---|---|---|");
        row("CreateVm(start) -> RUNNING (" + hot.accelerator + ", 64 MiB)", hot.create, "p50 <= 80 ms");
        row("StopVm(force) -> STOPPED", hot.stop, "p50 <= 30 ms");
        row("GetVm", hotGet, "p50 <= 2 ms");
        row("DeleteVm (stopped VM)", hot.delete, "-");
        System.out.println();
        System.out.println("| lifecycles done | PlasmaVMC JVM heap after GC | PlasmaVMC JVM RSS | Temporal server RSS |");
        System.out.println("|---|---|---|---|");
        memory.forEach(System.out::println);
      }

      // The fleet runs under TCG: on nested (PVM) KVM, SeaBIOS alone costs a KVM guest about 2.7 s
      // of host CPU in its first seconds (0.1 s under TCG), and 100 of them would starve 2 cores.
      if (fleet > 0) fleet(vms, bare.toBuilder().setAccelerator(Accelerator.ACCELERATOR_TCG).build(), fleet, runtime);
      channel.shutdownNow();
    } finally {
      for (Long pid : QemuProcessTable.livePidsMentioning(runtime)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      if (Boolean.getBoolean("keepData")) {
        System.out.println("Temporal's data (to read the histories): " + data);
      } else {
        ScratchDirectories.delete(data);
      }
    }
  }

  private record Lifecycles(double[] create, double[] stop, double[] delete, String accelerator) {}

  /** {@code count} lifecycles of a bare VM, one after another: CreateVm(start), GetVm, StopVm(force), DeleteVm, each timed. */
  private static Lifecycles lifecycles(VmServiceGrpc.VmServiceBlockingStub vms, VmSpec bare, Path runtime, String prefix, int count,
      IntConsumer progress) throws IOException {
    double[] create = new double[count];
    double[] stop = new double[count];
    double[] delete = new double[count];
    String accelerator = "";
    for (int i = 0; i < count; i++) {
      String name = prefix + "-" + i;
      long t0 = System.nanoTime();
      Vm vm = vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(bare).setStart(true).build());
      create[i] = ms(t0);
      check(vm, VmState.VM_STATE_RUNNING);
      if (i == 0) {
        accelerator = String.join(" ", Files.readAllLines(runtime.resolve(name).resolve("cmdline"))).contains("-accel kvm") ? "KVM" : "TCG";
      }
      check(vms.getVm(GetVmRequest.newBuilder().setName(name).build()), VmState.VM_STATE_RUNNING);
      long t1 = System.nanoTime();
      check(vms.stopVm(StopVmRequest.newBuilder().setName(name).setForce(true).build()), VmState.VM_STATE_STOPPED);
      stop[i] = ms(t1);
      long t2 = System.nanoTime();
      vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
      delete[i] = ms(t2);
      if (progress != null) {
        progress.accept(i + 1);
      }
    }
    return new Lifecycles(create, stop, delete, accelerator);
  }

  private static double[] gets(VmServiceGrpc.VmServiceBlockingStub vms, VmSpec bare) {
    vms.createVm(CreateVmRequest.newBuilder().setName("status").setSpec(bare).setStart(true).build());
    double[] get = new double[2000];
    for (int i = 0; i < get.length; i++) {
      long t = System.nanoTime();
      vms.getVm(GetVmRequest.newBuilder().setName("status").build());
      get[i] = ms(t);
    }
    vms.deleteVm(DeleteVmRequest.newBuilder().setName("status").build());
    return get;
  }

  /** One row of the memory table: what the JVM keeps after a full GC, its RSS, and the Temporal server's RSS. */
  private static String memory(int done, long serverPid) {
    System.gc();
    Runtime jvm = Runtime.getRuntime();
    long heap = (jvm.totalMemory() - jvm.freeMemory()) >> 20;
    String serverRss = serverPid < 0 ? "(in the JVM)" : rssKb(Path.of("/proc", Long.toString(serverPid), "status")) / 1024 + " MiB";
    return String.format("| %d | %d MiB | %d MiB | %s |", done, heap, rssKb(Path.of("/proc/self/status")) / 1024, serverRss);
  }

  private static double[] gracefulStops(VmServiceGrpc.VmServiceBlockingStub vms, Path runtime, int count) throws Exception {
    VmSpec guest = VmSpec.newBuilder().setMemoryMib(128).setAccelerator(Accelerator.ACCELERATOR_TCG).setNoNetwork(true)
        .setKernel(TestGuest.kernel().toString()).setInitrd(TestGuest.graceful().toString()).setKernelCmdline(TestGuest.CMDLINE).build();
    double[] result = new double[count];
    for (int i = 0; i < count; i += 2) {
      List<String> pair = new ArrayList<>();
      for (int j = i; j < Math.min(count, i + 2); j++) {
        String name = "graceful-" + j;
        vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(guest).setStart(true).build());
        pair.add(name);
      }
      for (int k = 0; k < pair.size(); k++) {
        String name = pair.get(k);
        TestGuest.awaitReady(runtime.resolve(name).resolve("serial.log"), 1, Duration.ofSeconds(90));
        long t = System.nanoTime();
        Vm vm = vms.stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(30).build());
        result[i + k] = ms(t);
        if (!"the guest powered off".equals(vm.getStateReason())) {
          throw new IllegalStateException(name + " was not stopped gracefully: " + vm.getStateReason());
        }
        vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
      }
    }
    return result;
  }

  /** GetVm and StopVm(force) p50 of one VM, with whatever else runs on the host. */
  private static double[] probe(VmServiceGrpc.VmServiceBlockingStub vms, VmSpec bare, String name) {
    vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(bare).setStart(true).build());
    double[] get = new double[300];
    for (int i = 0; i < get.length; i++) {
      long t = System.nanoTime();
      vms.getVm(GetVmRequest.newBuilder().setName(name).build());
      get[i] = ms(t);
    }
    double[] stop = new double[15];
    for (int i = 0; i < stop.length; i++) {
      if (i > 0) {
        vms.startVm(StartVmRequest.newBuilder().setName(name).build());
      }
      long t = System.nanoTime();
      vms.stopVm(StopVmRequest.newBuilder().setName(name).setForce(true).build());
      stop[i] = ms(t);
    }
    vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    return new double[] {Percentiles.of(get).p50(), Percentiles.of(stop).p50()};
  }

  /** The host layer alone (spawn + cont, no Temporal, no gRPC) starting {@code count} such VMs from 50 threads: seconds. */
  private static double hostLayerAlone(VmSpec bare, int count) throws Exception {
    Path run = Files.createTempDirectory("plasmavmc-bench-raw");
    io.plasmavmc.contract.spec.VmSpec spec = io.plasmavmc.contract.spec.VmSpec.of("raw").withResources(1, 64).withNetwork(false, List.of())
        .withAccelerator(io.plasmavmc.contract.spec.Accelerator.TCG);
    ExecutorService pool = Executors.newFixedThreadPool(50);
    try (HostActivitiesImpl host = new HostActivitiesImpl(
        HostConfig.of(run, Path.of("/usr/bin/qemu-system-x86_64"), List.of(), false).withLimits(FLEET_LIMITS))) {
      long start = System.nanoTime();
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String vm = "raw-" + i;
        all.add(pool.submit(() -> host.spawnAndStart(vm, spec)));
      }
      for (Future<?> f : all) {
        f.get();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      all.clear();
      for (int i = 0; i < count; i++) {
        String vm = "raw-" + i;
        all.add(pool.submit(() -> host.kill(vm)));
      }
      for (Future<?> f : all) {
        f.get();
      }
      return seconds;
    } finally {
      pool.shutdownNow();
      for (Long pid : QemuProcessTable.livePidsMentioning(run)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      ScratchDirectories.delete(run);
    }
  }

  private static void fleet(VmServiceGrpc.VmServiceBlockingStub vms, VmSpec bare, int count, Path runtime) throws Exception {
    // Started VMs cost this machine's CPU dearly: an idle TCG guest takes about 0.65 % of a core
    // for QEMU's own timers, so some 300 of them fill 2 cores. -DfleetStart=false creates the
    // fleet paused (QEMU up, watched, its workflow cached: all that PlasmaVMC pays per VM).
    boolean start = Boolean.parseBoolean(System.getProperty("fleetStart", "true"));
    double raw = Boolean.getBoolean("raw") ? hostLayerAlone(bare, count) : Double.NaN;
    double[] alone = probe(vms, bare, "probe-alone");
    System.gc();
    long baseHeap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
    long baseRss = rssKb(Path.of("/proc/self/status")) / 1024;
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(count, 50));
    List<Double> creates = Collections.synchronizedList(new ArrayList<>());
    List<Double> stops = Collections.synchronizedList(new ArrayList<>());
    List<Double> deletes = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failures = new AtomicInteger();
    long[] qemuRssKb = new long[1];
    long began = System.nanoTime();
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = "fleet-" + i;
      all.add(pool.submit(() -> {
        try {
          long t = System.nanoTime();
          check(vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(bare).setStart(start).build()),
              start ? VmState.VM_STATE_RUNNING : VmState.VM_STATE_CREATED);
          creates.add(ms(t));
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          System.err.println(name + " create: " + e);
        }
      }));
    }
    for (Future<?> f : all) {
      f.get();
    }
    long created = System.nanoTime();
    List<Long> pids = QemuProcessTable.livePidsMentioning(runtime);
    for (long pid : pids) {
      qemuRssKb[0] += rssKb(Path.of("/proc", Long.toString(pid), "status"));
    }
    double[] among = probe(vms, bare, "probe-among");
    System.gc();
    long fleetHeap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20;
    long selfRss = rssKb(Path.of("/proc/self/status"));
    all.clear();
    for (int i = 0; i < count; i++) {
      String name = "fleet-" + i;
      all.add(pool.submit(() -> {
        try {
          long t = System.nanoTime();
          check(vms.stopVm(StopVmRequest.newBuilder().setName(name).setForce(true).build()), VmState.VM_STATE_STOPPED);
          stops.add(ms(t));
          t = System.nanoTime();
          vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
          deletes.add(ms(t));
        } catch (RuntimeException e) {
          failures.incrementAndGet();
          System.err.println(name + " stop/delete: " + e);
        }
      }));
    }
    for (Future<?> f : all) {
      f.get();
    }
    pool.shutdown();
    double total = ms(began);
    System.out.println();
    System.out.printf("%d VMs (64 MiB, no kernel, TCG) created%s, then stopped and deleted, concurrently (50 client threads): %d failures, "
        + "%.1f s wall time (%.1f s to have all %d %s); QEMU processes left: %d%n",
        count, start ? " and started" : " (paused)", failures.get(), total / 1000, (created - began) / 1e9, pids.size(),
        start ? "running" : "created", QemuProcessTable.livePidsMentioning(runtime).size());
    System.out.println("| operation (fleet) | p50 | p99 |");
    System.out.println("|---|---|---|");
    fleetRow("CreateVm(start)", creates);
    fleetRow("StopVm(force)", stops);
    fleetRow("DeleteVm", deletes);
    System.out.printf("PlasmaVMC JVM (worker + gateway + this client) with %d VMs running: RSS %d MiB (%d MiB before them), "
        + "heap after GC %d MiB (%d MiB before): %.2f MiB RSS per running VM%n",
        pids.size(), selfRss / 1024, baseRss, fleetHeap, baseHeap, pids.isEmpty() ? 0 : (selfRss / 1024.0 - baseRss) / pids.size());
    System.out.printf("with one VM: GetVm p50 %.2f ms, StopVm(force) p50 %.1f ms; with %d running: GetVm p50 %.2f ms (%.2fx), "
        + "StopVm(force) p50 %.1f ms (%.2fx)%n", alone[0], alone[1], pids.size(), among[0], among[0] / alone[0], among[1], among[1] / alone[1]);
    if (!Double.isNaN(raw)) {
      System.out.printf("the host layer alone (spawn + cont, no Temporal) starts %d such VMs in %.1f s; through PlasmaVMC all ran after %.1f s (%.2fx)%n",
          count, raw, (created - began) / 1e9, (created - began) / 1e9 / raw);
    }
    System.out.printf("QEMU RSS total: %d MiB (%d KiB per VM)%n", qemuRssKb[0] / 1024, pids.isEmpty() ? 0 : qemuRssKb[0] / pids.size());
  }

  private static long rssKb(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return 0;
  }

  private static void check(Vm vm, VmState expected) {
    if (vm.getState() != expected) {
      throw new IllegalStateException(vm.getName() + " is " + vm.getState() + " (" + vm.getStateReason() + "), expected " + expected);
    }
  }

  private static double ms(long start) {
    return (System.nanoTime() - start) / 1e6;
  }

  private static void fleetRow(String name, List<Double> samples) {
    Percentiles p = Percentiles.of(samples);
    if (p.count() == 0) {
      System.out.printf("| %s | - | - |%n", name);
      return;
    }
    System.out.printf("| %s | %.1f ms | %.1f ms |%n", name, p.p50(), p.p99());
  }

  private static void row(String name, double[] samples, String target) {
    Percentiles p = Percentiles.of(samples);
    System.out.printf("| %s | %.2f ms | %.2f ms | %s |%n", name, p.p50(), p.p99(), target);
  }
}
