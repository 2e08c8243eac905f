package io.plasmavmc.host.bench;

import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.qemu.QemuCommandLine;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.testing.Percentiles;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Host-layer figures, medians over repeated runs on real QEMU:
 * spawn (paused) until QMP is ready, query-status round trip, graceful powerdown until the QEMU
 * process is gone, and QMP quit until the process is gone.
 *
 * <p>Run: {@code tools/bench-host.sh} (or {@code mvn -pl activities test-compile exec:java
 * -Dexec.mainClass=io.plasmavmc.host.bench.HostBenchmark -Dexec.classpathScope=test}).
 */
public final class HostBenchmark {
  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");

  public static void main(String[] args) throws Exception {
    int runs = Integer.getInteger("runs", 25);
    Path run = Files.createTempDirectory("plasmavmc-bench");
    HostConfig probed = HostConfig.probed(run, QEMU, List.of(TestGuest.dir()));
    System.out.printf("host benchmark: %d runs each; KVM usable: %s (cpu model %s)%n", runs, probed.kvmUsable(), probed.kvmCpuModel());
    try (HostActivitiesImpl host = new HostActivitiesImpl(probed)) {
      VmSpec bare = VmSpec.of("bench").withResources(1, 64).withNetwork(false, List.of());

      // Warm up the JVM paths once.
      host.spawn("warm", bare);
      host.kill("warm");
      host.cleanup("warm");

      double[] spawn = new double[runs];
      double[] quit = new double[runs];
      Accelerator accelerator = null;
      for (int i = 0; i < runs; i++) {
        String id = "spawn-" + i;
        long t0 = System.nanoTime();
        VmHandle handle = host.spawn(id, bare);
        spawn[i] = millis(t0);
        accelerator = handle.accelerator();
        long t1 = System.nanoTime();
        host.kill(id); // QMP quit, then waits until the process is gone
        quit[i] = millis(t1);
        host.cleanup(id);
      }

      int calls = 5000;
      double[] rtt = new double[calls];
      double[] activity = new double[calls];
      host.spawn("status", bare);
      for (int i = 0; i < calls; i++) {
        long t = System.nanoTime();
        host.queryStatus("status");
        activity[i] = millis(t);
      }
      host.kill("status");
      host.cleanup("status");
      // Raw QMP round trip. QEMU's monitor serves one client at a time, so the activities' own
      // connection to this VM is closed first and this client owns the monitor.
      host.spawn("raw", bare);
      host.close();
      try (QmpClient client = QmpClient.connect(QemuCommandLine.qmpSocket(host.directory("raw")), Duration.ofSeconds(5))) {
        for (int i = 0; i < 500; i++) {
          client.execute("query-status");
        }
        for (int i = 0; i < calls; i++) {
          long t = System.nanoTime();
          client.execute("query-status");
          rtt[i] = millis(t);
        }
        client.quit();
      }

      double[] powerdown = gracefulPowerdowns(run, probed, Math.max(20, runs));

      System.out.println();
      System.out.println("| figure | median | p99 | target |");
      System.out.println("|---|---|---|---|");
      row("spawn paused -> QMP ready (" + accelerator + ", 64 MiB)", spawn, "<= 70 ms");
      row("query-status round trip (QmpClient)", rtt, "<= 0.3 ms median, <= 1 ms p99");
      row("queryStatus activity (liveness + QMP)", activity, "-");
      row("graceful guest powerdown -> process gone (TCG, 128 MiB)", powerdown, "<= 80 ms");
      row("QMP quit -> process gone (" + accelerator + ")", quit, "<= 40 ms");
    } finally {
      ScratchDirectories.delete(run);
    }
  }

  /** Boots the graceful guest two at a time (two cores), then measures powerdown until QEMU is gone. */
  private static double[] gracefulPowerdowns(Path run, HostConfig config, int count) throws Exception {
    double[] result = new double[count];
    try (HostActivitiesImpl host = new HostActivitiesImpl(config)) {
      VmSpec guest = VmSpec.of("graceful").withAccelerator(Accelerator.TCG)
          .withKernel(TestGuest.kernel().toString(), TestGuest.graceful().toString(), TestGuest.CMDLINE)
          .withNetwork(false, List.of());
      for (int i = 0; i < count; i += 2) {
        List<String> ids = new ArrayList<>();
        for (int j = i; j < Math.min(count, i + 2); j++) {
          String id = "graceful-" + j;
          host.spawn(id, guest);
          host.cont(id);
          ids.add(id);
        }
        for (int k = 0; k < ids.size(); k++) {
          String id = ids.get(k);
          TestGuest.awaitReady(host.directory(id).serialLog(), 1, Duration.ofSeconds(90));
          long t = System.nanoTime();
          host.powerdown(id);
          VmStatus status = host.awaitExit(id, Duration.ofSeconds(30));
          result[i + k] = millis(t);
          if (status.alive()) {
            throw new IllegalStateException("graceful guest " + id + " did not power off");
          }
          host.cleanup(id);
        }
      }
    }
    return result;
  }

  private static double millis(long start) {
    return (System.nanoTime() - start) / 1e6;
  }

  private static void row(String name, double[] samples, String target) {
    Percentiles p = Percentiles.of(samples);
    System.out.printf("| %s | %.3f ms | %.3f ms | %s |%n", name, p.p50(), p.p99(), target);
  }
}
