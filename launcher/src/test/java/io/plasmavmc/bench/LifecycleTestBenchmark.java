package io.plasmavmc.bench;

import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.LifecycleTestAttempt;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.PhaseStats;
import io.plasmavmc.api.v1.PhaseTiming;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.e2e.LifecycleTestRunWaits;
import io.plasmavmc.e2e.PlasmaVmcHarness;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.testing.Percentiles;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a lifecycle test run costs beyond the guest itself (TCG, the graceful test guest):
 * <ol>
 *   <li>the guest's own boot and power-off, on bare QEMU without PlasmaVMC: process start until the
 *       readiness marker is on its console, power button until the process is gone;</li>
 *   <li>a run of {@code -Diterations} iterations one at a time: each attempt's phases as the run
 *       timed them (create, ready, checks, stop, delete), and their sum;</li>
 *   <li>readiness latency: the marker's appearance in the console file (watched every millisecond)
 *       against the time the VM reports the guest ready.</li>
 * </ol>
 * The per-iteration overhead is the run's p50 per iteration minus the bare guest's p50. Run:
 * {@code tools/bench-lifecycle-test.sh}.
 */
public final class LifecycleTestBenchmark {
  public static void main(String[] args) throws Exception {
    int iterations = Integer.getInteger("iterations", 15);
    Path bareDir = Files.createTempDirectory("plasmavmc-bench-lt");
    double[] bare;
    try {
      bare = bareGuest(bareDir, iterations);
    } finally {
      ScratchDirectories.delete(bareDir);
    }
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(15))) {
      LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub tests = plasma.tests;
      VmServiceGrpc.VmServiceBlockingStub vms = plasma.vms;
      VmSpec spec = VmSpec.newBuilder().setMemoryMib(128).setNoNetwork(true).setAccelerator(Accelerator.ACCELERATOR_TCG)
          .setKernel(TestGuest.kernel().toString()).setInitrd(TestGuest.graceful().toString()).setKernelCmdline(TestGuest.CMDLINE)
          .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER).setTimeoutSeconds(120)).build();

      run(tests, spec, "warm-up", 3);
      LifecycleTestRun run = run(tests, spec, "bench", iterations);
      double[] readiness = readinessLatency(vms, spec, plasma, iterations);

      List<Double> totals = new ArrayList<>();
      for (LifecycleTestAttempt attempt : run.getAttemptsList()) {
        totals.add((double) attempt.getTimingsList().stream().mapToLong(PhaseTiming::getMillis).sum());
      }
      Percentiles guest = Percentiles.of(bare);
      Percentiles perIteration = Percentiles.of(totals);
      System.out.println();
      System.out.printf("lifecycle test run benchmark: %d iterations one at a time, graceful test guest (TCG, 128 MiB), "
          + "Temporal dev server (SQLite); run %s%n", iterations, run.getReason());
      System.out.println("| figure | p50 | p99 | target |");
      System.out.println("|---|---|---|---|");
      row("bare QEMU: the guest's own boot (to its marker) and power-off", guest, "-");
      for (PhaseStats phase : run.getPhasesList()) {
        System.out.printf("| run phase: %s | %d ms | %d ms (p95) | - |%n", phase.getPhase(), phase.getP50Millis(), phase.getP95Millis());
      }
      row("run: one iteration (sum of its phases)", perIteration, "-");
      System.out.printf("| run: overhead per iteration beyond the guest's boot and power-off | %.0f ms | - | p50 <= 150 ms |%n",
          perIteration.p50() - guest.p50());
      row("readiness noticed after the marker reached the console", Percentiles.of(readiness), "p50 <= 50 ms");
    }
  }

  private static LifecycleTestRun run(LifecycleTestServiceGrpc.LifecycleTestServiceBlockingStub tests, VmSpec spec, String id,
      int iterations) throws InterruptedException {
    tests.runLifecycleTest(RunLifecycleTestRequest.newBuilder().setRunId(id).setSpec(spec).setIterations(iterations).build());
    LifecycleTestRun run = LifecycleTestRunWaits.awaitEnd(tests, id, Duration.ofMinutes(30));
    if (run.getState() != LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED) {
      throw new IllegalStateException("run " + id + " did not pass: " + run);
    }
    return run;
  }

  /** The guest alone: bare QEMU with the same kernel, initrd and memory, no PlasmaVMC, no Temporal. */
  private static double[] bareGuest(Path runtime, int count) throws Exception {
    double[] millis = new double[count + 2];
    for (int i = 0; i < count + 2; i++) {
      Path dir = Files.createDirectories(runtime.resolve("bare-" + i));
      Path serial = dir.resolve("serial.log");
      Path qmp = dir.resolve("qmp.sock");
      long started = System.nanoTime();
      Process qemu = new ProcessBuilder("/usr/bin/qemu-system-x86_64", "-machine", "q35,accel=tcg", "-m", "128", "-nodefaults",
          "-no-user-config", "-display", "none", "-nic", "none", "-serial", "file:" + serial, "-kernel", TestGuest.kernel().toString(),
          "-initrd", TestGuest.graceful().toString(), "-append", TestGuest.CMDLINE, "-qmp", "unix:" + qmp + ",server=on,wait=off")
          .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
      long marker = awaitMarker(serial, started);
      long pressed;
      try (QmpClient client = connect(qmp)) {
        pressed = System.nanoTime();
        client.execute("system_powerdown");
      }
      if (!qemu.waitFor(60, TimeUnit.SECONDS)) {
        qemu.destroyForcibly();
        throw new IllegalStateException("the bare guest did not power off");
      }
      long gone = System.nanoTime();
      millis[i] = ((marker - started) + (gone - pressed)) / 1e6;
    }
    double[] measured = new double[count];
    System.arraycopy(millis, 2, measured, 0, count); // the first two warm the page cache
    return measured;
  }

  private static QmpClient connect(Path socket) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        return QmpClient.connect(socket, Duration.ofSeconds(5));
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(5);
      }
    }
  }

  /** When the marker reached the console file (watched every millisecond), as System.nanoTime(). */
  private static long awaitMarker(Path serial, long since) throws Exception {
    long deadline = since + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(serial) && Files.readString(serial, StandardCharsets.ISO_8859_1).contains(TestGuest.READY_MARKER)) {
        return System.nanoTime();
      }
      Thread.sleep(1);
    }
    throw new IllegalStateException("no marker in " + serial);
  }

  /** The VM's guest_ready_at against the marker's appearance in its console file, in ms. */
  private static double[] readinessLatency(VmServiceGrpc.VmServiceBlockingStub vms, VmSpec spec, PlasmaVmcHarness plasma, int count)
      throws Exception {
    double[] latency = new double[count];
    for (int i = 0; i < count; i++) {
      String name = "ready-" + i;
      Path serial = plasma.vmDir(name).resolve("serial.log");
      long[] appearedAt = new long[1];
      Thread watcher = new Thread(() -> {
        try {
          long started = System.nanoTime();
          awaitMarker(serial, started);
          appearedAt[0] = System.currentTimeMillis();
        } catch (Exception e) {
          appearedAt[0] = -1;
        }
      });
      watcher.start();
      Vm vm = vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(spec).setStart(true).setWaitForReady(true).build());
      watcher.join();
      long readyAt = vm.getGuestReadyAt().getSeconds() * 1000 + vm.getGuestReadyAt().getNanos() / 1_000_000;
      latency[i] = readyAt - appearedAt[0];
      vms.stopVm(StopVmRequest.newBuilder().setName(name).setForce(true).build());
      vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    }
    return latency;
  }

  private static void row(String figure, Percentiles p, String target) {
    System.out.printf("| %s | %.0f ms | %.0f ms | %s |%n", figure, p.p50(), p.p99(), target);
  }
}
