package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.VmSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The metrics an operator scrapes after a lifecycle: operations by RPC and outcome with latency
 * histograms, spawn and QMP times, VMs by host and state, WatchVm streams, the host's QEMU
 * processes, and the Temporal SDK's own.
 */
class MetricsEndToEndTest {
  @Test
  void aLifecycleShowsInTheMetrics() throws Exception {
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(3))) {
      VmSpec bare = VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).build();
      plasma.vms.createVm(CreateVmRequest.newBuilder().setName("metered").setSpec(bare).setStart(true).build());
      plasma.vms.getVm(GetVmRequest.newBuilder().setName("metered").build());
      try {
        plasma.vms.createVm(CreateVmRequest.newBuilder().setName("metered,bad").setSpec(bare).build());
      } catch (StatusRuntimeException expected) {
        // counted as INVALID_ARGUMENT
      }
      String running = awaitMetrics(plasma, List.of("plasmavmc_vms{host=\"e2e-host\",state=\"RUNNING\"} 1", "temporal_"));
      assertTrue(running.contains("plasmavmc_qemu_processes{host=\"e2e-host\"} 1"), running);
      plasma.vms.stopVm(StopVmRequest.newBuilder().setName("metered").setForce(true).build());
      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("metered").build());

      String after = plasma.metrics();
      for (String expected : List.of(
          "plasmavmc_operations_seconds_bucket{outcome=\"OK\",rpc=\"CreateVm\"",
          "plasmavmc_operations_seconds_count{outcome=\"OK\",rpc=\"StopVm\"}",
          "plasmavmc_operations_seconds_count{outcome=\"OK\",rpc=\"DeleteVm\"}",
          "plasmavmc_operations_seconds_count{outcome=\"INVALID_ARGUMENT\",rpc=\"CreateVm\"} 1",
          "plasmavmc_spawn_seconds_count{host=\"e2e-host\",outcome=\"ok\"} 1",
          "plasmavmc_qmp_seconds_bucket{command=\"cont\",host=\"e2e-host\"",
          "plasmavmc_watch_streams 0",
          "plasmavmc_qemu_processes{host=\"e2e-host\"} 0")) {
        assertTrue(after.contains(expected), "the metrics show " + expected + ":\n" + after);
      }
      System.out.println("metrics after a lifecycle (excerpt):");
      after.lines().filter(l -> l.startsWith("plasmavmc_operations_seconds_count") || l.startsWith("plasmavmc_spawn_seconds_count"))
          .forEach(l -> System.out.println("  " + l));
    }
  }

  /** Scrapes until every one of {@code texts} shows (visibility and the SDK's reporter lag a moment). */
  private static String awaitMetrics(PlasmaVmcHarness plasma, List<String> texts) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    String metrics;
    do {
      metrics = plasma.metrics();
      String now = metrics;
      if (texts.stream().allMatch(now::contains)) {
        return metrics;
      }
      Thread.sleep(200);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the metrics do not show " + texts + ":\n" + metrics);
  }
}
