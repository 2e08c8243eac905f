package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.HostState;
import io.plasmavmc.api.v1.UncordonHostRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.cli.Vmctl;
import io.plasmavmc.host.testing.TestGuest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fleet's edges on one host, as `plasmavmc up` runs it: its worker registers it and reports
 * its load, vmctl lists it, a cordoned host gets no new VM, an uncordoned one gets it with a
 * reason, a drain stops it (there is no other host to migrate it to). Needs the workflow side of the fleet (HostWorkflowImpl,
 * FleetActivitiesImpl registered by the worker).
 */
class HostEndToEndTest {
  private static final String HOST = "e2e-host";
  private static PlasmaVmcHarness plasma;
  private static HostServiceGrpc.HostServiceBlockingStub hosts;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(3));
    hosts = HostServiceGrpc.newBlockingStub(plasma.channel).withCallCredentials(plasma.admin);
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  private record Result(int code, String out, String err) {}

  private static Result vmctl(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] withServer = new String[args.length + 2];
    withServer[0] = "--server";
    withServer[1] = "127.0.0.1:" + plasma.stack.grpcPort();
    System.arraycopy(args, 0, withServer, 2, args.length);
    int code = new Vmctl(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        plasma.configDir).run(withServer);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Host host() {
    return hosts.getHost(GetHostRequest.newBuilder().setId(HOST).build());
  }

  /** The host once {@code condition} holds: its worker reports at once when its VM count changes, every 10 s otherwise. */
  private static Host hostOnce(Predicate<Host> condition) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        Host now = host();
        if (condition.test(now)) {
          return now;
        }
        if (System.nanoTime() > end) {
          throw new AssertionError("not within 20 s: " + now);
        }
      } catch (StatusRuntimeException notYet) {
        if (System.nanoTime() > end) {
          throw notYet;
        }
      }
      Thread.sleep(200);
    }
  }

  private static CreateVmRequest.Builder vm(String name) {
    return CreateVmRequest.newBuilder().setName(name).setRequestId("e2e-" + name).setSpec(VmLifecycleEndToEndTest.guest("graceful"))
        .setStart(true);
  }

  private static String reason(StatusRuntimeException e) throws InvalidProtocolBufferException {
    for (var detail : StatusProto.fromThrowable(e).getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        return detail.unpack(ErrorInfo.class).getReason();
      }
    }
    return "";
  }

  @Test
  void theHostIsListedCordonedUncordonedAndDrained() throws Exception {
    Host registered = hostOnce(h -> h.getState() == HostState.HOST_STATE_READY && h.hasLastReportAt());
    assertEquals(Runtime.getRuntime().availableProcessors(), registered.getCapacity().getVcpus());
    assertTrue(registered.getCapacity().getMemoryMib() > 0 && registered.getUsage().getMemoryFreeMib() > 0, registered.toString());
    assertFalse(registered.getQemuVersion().isEmpty() || registered.getAddress().isEmpty(), registered.toString());
    Result list = vmctl("host", "list");
    assertEquals(0, list.code(), list.err());
    assertTrue(list.out().lines().anyMatch(line -> line.startsWith(HOST) && line.contains("READY") && line.contains("s ago")), list.out());

    Result cordon = vmctl("host", "cordon", HOST, "--reason", "e2e maintenance");
    assertEquals(0, cordon.code(), cordon.err());
    assertEquals(HostState.HOST_STATE_CORDONED, host().getState());
    StatusRuntimeException nowhere = assertThrows(StatusRuntimeException.class, () -> plasma.vms.createVm(vm("refused").build()));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, nowhere.getStatus().getCode(), "the only host is cordoned: no host fits");
    assertEquals("NO_HOST_FITS", reason(nowhere));
    StatusRuntimeException named = assertThrows(StatusRuntimeException.class, () -> plasma.vms.createVm(vm("named").setHostId(HOST).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, named.getStatus().getCode(), "a cordoned host named is refused");
    assertEquals("HOST_CORDONED", reason(named));

    hosts.uncordonHost(UncordonHostRequest.newBuilder().setId(HOST).build());
    Vm placed = plasma.vms.createVm(vm("placed").build());
    assertEquals(VmState.VM_STATE_RUNNING, placed.getState());
    assertEquals(HOST, placed.getHostId());
    assertFalse(placed.getPlacementReason().isEmpty(), "placement says why");
    assertTrue(vmctl("get", "placed").out().contains("placement:   " + placed.getPlacementReason() + "\n"));
    Host loaded = hostOnce(h -> h.getUsage().getQemuProcesses() == 1);
    assertEquals(1, loaded.getUsage().getVms());
    assertTrue(loaded.getVmsList().contains("placed"));

    // A guest still booting ignores the power button: the drain would stop it only when its graceful stop times out.
    TestGuest.awaitReady(plasma.vmDir("placed").resolve("serial.log"), 1, Duration.ofSeconds(90));
    Result drain = vmctl("host", "drain", HOST, "--watch");
    assertEquals(0, drain.code(), drain.err());
    assertTrue(drain.out().contains("drain:       done: 1 of 1 VMs handled"), drain.out());
    assertEquals(VmState.VM_STATE_STOPPED, plasma.vms.getVm(GetVmRequest.newBuilder().setName("placed").build()).getState());
    assertEquals(HostState.HOST_STATE_CORDONED, host().getState(), "a drained host stays cordoned");

    hosts.uncordonHost(UncordonHostRequest.newBuilder().setId(HOST).build());
    plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("placed").build());
    hostOnce(h -> h.getUsage().getVms() == 0 && h.getUsage().getQemuProcesses() == 0); // its room given back, its QEMU gone
  }
}
