package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.HostState;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.testing.Percentiles;
import io.plasmavmc.host.testing.QemuProcessTable;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A busy host is not a lost host (issue 20), as `plasmavmc up` runs it on real QEMU: a fleet of
 * started TCG guests loads the host, then a burst of concurrent creates arrives. Every create
 * succeeds or is refused with a reason a client acts on (RESOURCE_EXHAUSTED: NO_HOST_FITS naming
 * vCPUs, or HOST_BUSY, or HOST_FULL), never UNAVAILABLE or "unreachable"; a refused create leaves
 * no QEMU and no runtime directory; GetVm of a fleet VM answers within its deadline all through
 * the burst; the host stays READY; and everything is deleted at the end.
 *
 * <p>Sized as the example for a 2-core machine: 120 started guests (more than the cores
 * serve comfortably, with the burst's spawns on top) and a burst of 60 creates. The host admits
 * the fleet and half the burst by its CPU allocation ratio, so the other half is refused by
 * admission, naming vCPUs.
 */
class OverloadEndToEndTest {
  private static final int CORES = Runtime.getRuntime().availableProcessors();
  /** Started guests that load the host: 60 a core, 120 at most. */
  private static final int FLEET = Math.min(120, 60 * CORES);
  private static final int BURST = 60;
  /** vCPUs the host admits: the fleet's and half the burst's (1 vCPU each). */
  private static final int ROOM = FLEET + BURST / 2;
  private static final HostLimits LIMITS = HostLimits.defaults().withCpuAllocationRatio((double) ROOM / CORES);
  private static final Duration GET_DEADLINE = Duration.ofSeconds(5);
  /** A burst create's own deadline: its creation waits for the busy host up to this less the gateway's margin. */
  private static final Duration CREATE_DEADLINE = Duration.ofSeconds(90);
  private static final Set<String> REFUSALS = Set.of("NO_HOST_FITS", "HOST_BUSY", "HOST_FULL");

  private static final VmSpec BARE = VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).setAccelerator(Accelerator.ACCELERATOR_TCG)
      .build();

  /** How one create ended: RUNNING, or refused with a code, a reason and a message. */
  private record Outcome(String name, boolean created, Status.Code code, String reason, String message, long millis) {
    static Outcome of(String name, long began, Vm vm) {
      return new Outcome(name, vm.getState() == VmState.VM_STATE_RUNNING, Status.Code.OK, vm.getState().name(), vm.getStateReason(),
          millisSince(began));
    }

    static Outcome of(String name, long began, StatusRuntimeException e) {
      return new Outcome(name, false, e.getStatus().getCode(), errorReason(e), String.valueOf(e.getStatus().getDescription()), millisSince(began));
    }

    String kind() {
      return created ? "created" : code + "/" + reason;
    }
  }

  /** One GetVm during the burst: how long it took, or how it failed. */
  private record Probe(long millis, String failure) {}

  @Test
  @Timeout(value = 12, unit = TimeUnit.MINUTES)
  void aBurstOnALoadedHostIsServedOrRefusedWithAReasonWhileTheHostKeepsAnswering() throws Exception {
    try (PlasmaVmcHarness plasma = PlasmaVmcHarness.withLimits(Duration.ofSeconds(15), LIMITS)) {
      VmServiceGrpc.VmServiceBlockingStub api = plasma.vms;
      HostServiceGrpc.HostServiceBlockingStub hosts = HostServiceGrpc.newBlockingStub(plasma.channel).withCallCredentials(plasma.admin);
      List<String> created = new CopyOnWriteArrayList<>();
      try {
        // The fleet: started guests, created a few at a time, as a loaded host's would have been.
        long fleetBegan = System.nanoTime();
        List<Outcome> fleet = createAll(api, "fleet-", FLEET, 8, Duration.ofMinutes(4));
        fleet.stream().filter(Outcome::created).forEach(outcome -> created.add(outcome.name()));
        assertEquals(FLEET, created.size(), "the fleet is created: " + kinds(fleet));
        System.out.printf(Locale.ROOT, "overload: %d started guests (TCG, 64 MiB) up after %.1f s%n", FLEET, secondsSince(fleetBegan));

        // The burst, all at once, while GetVm of a fleet VM is timed beside it.
        List<Probe> probes = new CopyOnWriteArrayList<>();
        AtomicBoolean bursting = new AtomicBoolean(true);
        Thread prober = new Thread(() -> probe(api, "fleet-0", probes, bursting), "getvm-prober");
        prober.start();
        long burstBegan = System.nanoTime();
        List<Outcome> burst = createAll(api, "burst-", BURST, BURST, CREATE_DEADLINE.plusSeconds(30));
        double burstSeconds = secondsSince(burstBegan);
        bursting.set(false);
        prober.join(GET_DEADLINE.toMillis() * 2);
        burst.stream().filter(Outcome::created).forEach(outcome -> created.add(outcome.name()));

        Map<String, Long> kinds = kinds(burst);
        List<Long> latencies = probes.stream().filter(probe -> probe.failure() == null).map(Probe::millis).toList();
        Percentiles get = Percentiles.of(latencies.stream().map(Long::doubleValue).toList());
        System.out.printf(Locale.ROOT, "overload: a burst of %d creates on top: %s in %.1f s; GetVm meanwhile: %d calls, p50 %.0f ms, "
            + "p99 %.0f ms, max %d ms, %d failed%n", BURST, kinds, burstSeconds, probes.size(), get.p50(), get.p99(),
            latencies.stream().mapToLong(Long::longValue).max().orElse(0), probes.size() - latencies.size());

        // Served, or refused with a reason: never "unreachable".
        for (Outcome outcome : burst) {
          if (outcome.created()) {
            continue;
          }
          assertFalse(outcome.code() == Status.Code.UNAVAILABLE || outcome.message().contains("unreachable"),
              "a busy host is not a lost one: " + outcome);
          assertEquals(Status.Code.RESOURCE_EXHAUSTED, outcome.code(), outcome.toString());
          assertTrue(REFUSALS.contains(outcome.reason()), outcome.toString());
        }
        List<Outcome> noRoom = burst.stream().filter(outcome -> "NO_HOST_FITS".equals(outcome.reason())).toList();
        assertEquals(BURST - (ROOM - FLEET), noRoom.size(), "admission by vCPUs refuses what the host has no room for: " + kinds);
        noRoom.forEach(outcome -> assertTrue(outcome.message().contains("vCPUs"), "names the tightest resource: " + outcome));
        assertTrue(kinds.getOrDefault("created", 0L) > 0, "the room there was is used: " + kinds);

        // The host answered throughout, and is not taken for lost.
        assertTrue(probes.size() >= 5, "GetVm was timed during the burst: " + probes.size());
        assertEquals(List.of(), probes.stream().filter(probe -> probe.failure() != null).map(Probe::failure).toList(),
            "every GetVm during the burst answered within " + GET_DEADLINE.toSeconds() + " s");
        assertEquals(HostState.HOST_STATE_READY, hosts.withDeadlineAfter(10, TimeUnit.SECONDS)
            .getHost(GetHostRequest.newBuilder().setId("e2e-host").build()).getState());

        // No QEMU, no runtime directory and no VM for a refused create (a busy one's clean-up may take a moment).
        List<String> refused = burst.stream().filter(outcome -> !outcome.created()).map(Outcome::name).toList();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline && !refused.stream().allMatch(name -> gone(plasma, api, name))) {
          Thread.sleep(500);
        }
        for (String name : refused) {
          assertEquals(List.of(), QemuProcessTable.livePidsMentioning(plasma.vmDir(name)), name + ": no QEMU for a refused create");
          assertFalse(Files.exists(plasma.vmDir(name)), name + ": no runtime directory for a refused create");
          assertTrue(gone(plasma, api, name), name + ": no VM for a refused create");
        }
        assertEquals(created.size(), QemuProcessTable.livePidsMentioning(plasma.runtimeDir).size(),
            "one QEMU for each VM created, none other");
      } finally {
        deleteAll(api, created);
      }
      long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      while (System.nanoTime() < end && !QemuProcessTable.livePidsMentioning(plasma.runtimeDir).isEmpty()) {
        Thread.sleep(500);
      }
      assertEquals(List.of(), QemuProcessTable.livePidsMentioning(plasma.runtimeDir), "every QEMU ended with its VM");
    }
  }

  /** Creates {@code count} started VMs named {@code prefix<i>}, {@code threads} at a time, all released at once; waits at most {@code bound}. */
  private static List<Outcome> createAll(VmServiceGrpc.VmServiceBlockingStub api, String prefix, int count, int threads, Duration bound)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    try {
      IntFunction<Outcome> create = i -> {
        String name = prefix + i;
        await(go);
        long began = System.nanoTime();
        try {
          return Outcome.of(name, began, api.withDeadlineAfter(CREATE_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .createVm(CreateVmRequest.newBuilder().setName(name).setSpec(BARE).setStart(true).build()));
        } catch (StatusRuntimeException e) {
          return Outcome.of(name, began, e);
        }
      };
      List<Future<Outcome>> futures = IntStream.range(0, count).mapToObj(i -> pool.submit(() -> create.apply(i))).toList();
      go.countDown();
      long deadline = System.nanoTime() + bound.toNanos();
      List<Outcome> outcomes = new ArrayList<>();
      for (Future<Outcome> future : futures) {
        outcomes.add(future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
      }
      return outcomes;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Times GetVm of {@code name} every 100 ms while {@code running}, each within {@link #GET_DEADLINE}. */
  private static void probe(VmServiceGrpc.VmServiceBlockingStub api, String name, List<Probe> probes, AtomicBoolean running) {
    while (running.get()) {
      long began = System.nanoTime();
      try {
        Vm vm = api.withDeadlineAfter(GET_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).getVm(GetVmRequest.newBuilder().setName(name).build());
        probes.add(new Probe(millisSince(began), vm.getState() == VmState.VM_STATE_RUNNING ? null
            : "GetVm " + name + ": " + vm.getState() + " (" + vm.getStateReason() + ")"));
      } catch (StatusRuntimeException e) {
        probes.add(new Probe(millisSince(began), "GetVm " + name + " after " + millisSince(began) + " ms: " + e.getStatus()));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** Whether nothing of VM {@code name} is left: no QEMU, no runtime directory, and GetVm NOT_FOUND. */
  private static boolean gone(PlasmaVmcHarness plasma, VmServiceGrpc.VmServiceBlockingStub api, String name) {
    if (!QemuProcessTable.livePidsMentioning(plasma.vmDir(name)).isEmpty() || Files.exists(plasma.vmDir(name))) {
      return false;
    }
    try {
      api.withDeadlineAfter(GET_DEADLINE.toMillis(), TimeUnit.MILLISECONDS).getVm(GetVmRequest.newBuilder().setName(name).build());
      return false;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == Status.Code.NOT_FOUND;
    }
  }

  /** Deletes the VMs, eight at a time, each within two minutes; what fails is said, the harness ends its QEMU anyway. */
  private static void deleteAll(VmServiceGrpc.VmServiceBlockingStub api, List<String> names) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    for (String name : names) {
      pool.execute(() -> {
        try {
          api.withDeadlineAfter(2, TimeUnit.MINUTES).deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
        } catch (StatusRuntimeException e) {
          System.err.println("overload clean-up: DeleteVm " + name + ": " + e.getStatus());
        }
      });
    }
    pool.shutdown();
    if (!pool.awaitTermination(4, TimeUnit.MINUTES)) {
      pool.shutdownNow();
    }
  }

  private static Map<String, Long> kinds(List<Outcome> outcomes) {
    return outcomes.stream().collect(Collectors.groupingBy(Outcome::kind, TreeMap::new, Collectors.counting()));
  }

  private static String errorReason(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status != null) {
      for (Any detail : status.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            return detail.unpack(ErrorInfo.class).getReason();
          } catch (InvalidProtocolBufferException unreadable) {
            return "unreadable ErrorInfo";
          }
        }
      }
    }
    return "no ErrorInfo";
  }

  private static void await(CountDownLatch go) {
    try {
      go.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long millisSince(long began) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
  }

  private static double secondsSince(long began) {
    return (System.nanoTime() - began) / 1e9;
  }
}
