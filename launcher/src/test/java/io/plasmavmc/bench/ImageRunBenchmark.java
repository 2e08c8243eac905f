package io.plasmavmc.bench;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunEvent;
import io.plasmavmc.api.v1.LifecycleTestRunEventKind;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.PhaseStats;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.WatchLifecycleTestRunRequest;
import io.plasmavmc.e2e.PlasmaVmcHarness;
import io.plasmavmc.e2e.TestImages;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.testing.DiskUsage;
import io.plasmavmc.host.testing.Percentiles;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Lifecycle test runs and VMs on one image, through the gRPC API, on real QEMU (TCG) and Temporal's
 * dev server, the test guest's disk image imported into the host's store:
 * <ol>
 *   <li>a run of {@code -Diterations} (40) iterations, {@code -Dconcurrency} (8) at a time, each
 *       booting a throwaway overlay of the image, followed through WatchLifecycleTestRun: its
 *       failures, per-phase p50/p95, and the image's sha256 (of the file in the store) before and
 *       after;</li>
 *   <li>{@code -Dvms} (50) VMs booted from the image at once (CreateVm with start and
 *       wait_for_ready, readiness by the guest's ready marker, from as many client threads): their
 *       failures, how long until each was ready, and the disk they use (the store's one base, the
 *       VMs' overlays).</li>
 * </ol>
 * Fails (exit code 1) on any failure or a changed image. Run: {@code
 * BENCHMARKS=ImageRunBenchmark tools/bench-lifecycle-test.sh -Diterations=40 -Dconcurrency=8 -Dvms=50}.
 */
public final class ImageRunBenchmark {
  private static final String IMAGE = "bench-guest";

  public static void main(String[] args) throws Exception {
    int iterations = Integer.getInteger("iterations", 40);
    int concurrency = Integer.getInteger("concurrency", 8);
    int vms = Integer.getInteger("vms", 50);
    // Fifty 1-vCPU guests on two cores is past the default CPU allocation ratio (4): the benchmark
    // measures booting from one image, not admission, so the host admits them.
    int cores = Runtime.getRuntime().availableProcessors();
    HostLimits limits = HostLimits.defaults().withCpuAllocationRatio(Math.max(4.0, Math.ceil(2.0 * vms / cores)));
    try (PlasmaVmcHarness plasma = PlasmaVmcHarness.withLimits(Duration.ofSeconds(30), limits)) {
      TestImages.importTestDisk(plasma.images, plasma.importDir, IMAGE);
      Path image = plasma.imageStoreDir.resolve(IMAGE + ".qcow2");
      String before = TestImages.sha256(image);
      System.out.printf("%nimage run benchmark: the test guest's disk image (%d bytes, sha256 %s), TCG, 128 MiB guests, %d cores, "
          + "Temporal dev server (SQLite)%n", Files.size(image), before, Runtime.getRuntime().availableProcessors());
      boolean passed = testRun(plasma, iterations, concurrency);
      unchanged(image, before, "after the run");
      int failures = manyVms(plasma, vms);
      unchanged(image, before, "after the VMs");
      if (!passed || failures > 0) {
        throw new IllegalStateException("failures: the run " + (passed ? "passed" : "did not pass") + ", " + failures + " of " + vms
            + " VMs failed");
      }
    }
  }

  /** The run, followed through its stream to its end; true if it passed. */
  private static boolean testRun(PlasmaVmcHarness plasma, int iterations, int concurrency) {
    long started = System.nanoTime();
    plasma.tests.runLifecycleTest(RunLifecycleTestRequest.newBuilder().setRunId("on-image").setSpec(TestImages.bootingFrom(IMAGE))
        .setIterations(iterations).setConcurrency(concurrency).build());
    int[] events = new int[1];
    LifecycleTestRun run = followToEnd(plasma, "on-image", events);
    System.out.printf("%nlifecycle test run on the image: %d iterations, %d at a time: %s in %.1f s (%s); %d passed, %d failed, "
        + "%d infrastructure retries; %d attempt events streamed%n", iterations, concurrency,
        run.getState().name().replace("LIFECYCLE_TEST_RUN_STATE_", ""), (System.nanoTime() - started) / 1e9, run.getReason(),
        run.getPassed(), run.getFailed(), run.getInfraRetries(), events[0]);
    System.out.println("| phase | count | p50 | p95 | max |");
    System.out.println("|---|---|---|---|---|");
    for (PhaseStats phase : run.getPhasesList()) {
      System.out.printf("| %s | %d | %d ms | %d ms | %d ms |%n", phase.getPhase(), phase.getCount(), phase.getP50Millis(),
          phase.getP95Millis(), phase.getMaxMillis());
    }
    return run.getState() == LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_PASSED && run.getFailed() == 0;
  }

  private static LifecycleTestRun followToEnd(PlasmaVmcHarness plasma, String runId, int[] attemptEvents) {
    Iterator<LifecycleTestRunEvent> stream = plasma.tests.watchLifecycleTestRun(WatchLifecycleTestRunRequest.newBuilder().setRunId(runId)
        .build());
    while (stream.hasNext()) {
      LifecycleTestRunEvent event = stream.next();
      if (event.getKind() == LifecycleTestRunEventKind.LIFECYCLE_TEST_RUN_EVENT_KIND_RUN_ENDED) {
        return event.getRun();
      }
      if (event.hasAttempt()) {
        attemptEvents[0]++;
      }
    }
    throw new IllegalStateException("the stream of run " + runId + " ended before the run");
  }

  private static void unchanged(Path image, String before, String when) throws Exception {
    String now = TestImages.sha256(image);
    System.out.printf("image sha256 %s: %s%n", when, now.equals(before) ? "unchanged" : "CHANGED to " + now);
    if (!now.equals(before)) {
      throw new IllegalStateException("the image was written " + when);
    }
  }

  /** {@code count} VMs from the image created and started at once, each waited for until its guest is ready; returns the failures. */
  private static int manyVms(PlasmaVmcHarness plasma, int count) throws Exception {
    VmSpec spec = TestImages.bootingFrom(IMAGE).toBuilder()
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER).setTimeoutSeconds(1800)).build();
    List<String> names = IntStream.range(0, count).mapToObj(i -> "many-" + i).toList();
    ExecutorService clients = Executors.newFixedThreadPool(count);
    try {
      long started = System.nanoTime();
      List<Future<Double>> ready = new ArrayList<>();
      for (String name : names) {
        ready.add(clients.submit(() -> {
          long sent = System.nanoTime();
          // Bounded: a create that neither boots nor is refused within ten minutes counts as a failure.
          plasma.vms.withDeadlineAfter(10, TimeUnit.MINUTES).createVm(CreateVmRequest.newBuilder().setName(name).setSpec(spec).setStart(true).setWaitForReady(true).build());
          return (System.nanoTime() - sent) / 1e6;
        }));
      }
      List<Double> millis = new ArrayList<>();
      int failures = 0;
      for (Future<Double> vm : ready) {
        try {
          millis.add(vm.get());
        } catch (Exception e) {
          failures++;
          System.out.println("a VM failed: " + e.getMessage());
        }
      }
      double all = (System.nanoTime() - started) / 1e9;
      String store = DiskUsage.of(List.of(plasma.imageStoreDir));
      String overlays = DiskUsage.of(names.stream().map(plasma.vmsDir::resolve).filter(Files::exists).toList());
      Percentiles each = Percentiles.of(millis);
      System.out.printf("%n%d VMs booted from the image at once (CreateVm start + wait_for_ready, %d client threads): %d failures, all "
          + "ready after %.1f s; CreateVm until the guest's ready marker p50 %.1f s, p99 %.1f s%n", count, count, failures, all,
          each.p50() / 1000, each.p99() / 1000);
      System.out.printf("disk used (du): the image store (one base) %s; the %d VMs' directories (their overlays) together %s%n", store,
          count, overlays);
      removeAll(plasma, names, clients);
      return failures;
    } finally {
      clients.shutdownNow();
    }
  }

  /** Deletes every VM (its QEMU ended first); no VM directory may stay. */
  private static void removeAll(PlasmaVmcHarness plasma, List<String> names, ExecutorService clients) throws Exception {
    List<Future<?>> gone = new ArrayList<>();
    for (String name : names) {
      gone.add(clients.submit(() -> {
        try {
          plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
            throw e; // a VM whose creation failed is not there to delete
          }
        }
      }));
    }
    for (Future<?> vm : gone) {
      vm.get();
    }
    List<String> left = names.stream().filter(name -> Files.exists(plasma.vmsDir.resolve(name))).toList();
    System.out.printf("all deleted; VM directories left: %s%n", left.isEmpty() ? "none" : left);
  }
}
