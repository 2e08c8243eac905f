package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.plasmavmc.api.v1.CloudInit;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteImageRequest;
import io.plasmavmc.api.v1.DeleteSnapshotRequest;
import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.GetImageRequest;
import io.plasmavmc.api.v1.GetLifecycleTestAttemptConsoleRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ImportImageRequest;
import io.plasmavmc.api.v1.ListImagesRequest;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.api.v1.PortForward;
import io.plasmavmc.api.v1.RestoreSnapshotRequest;
import io.plasmavmc.api.v1.SnapshotVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile requests: each takes a valid request and puts one hostile value into one
 * field (commas, '=', newlines, NUL, '..', paths out of the image roots, very long values, Unicode
 * look-alikes, numbers from 0 through unsigned overflow), VmService's, ImageService's and
 * LifecycleTestService's alike: the spec's disks in each form and its cloud-init data, snapshot
 * names, image names and import sources, the run and VM of a kept console, a migration's target and limits. Every one must be INVALID_ARGUMENT naming
 * that field, start no QEMU, leave no runtime directory, tell nothing about the host, and leave the
 * service healthy.
 */
class HostileInputEndToEndTest {
  private static final int CASES = 1200;
  private static final List<String> HOSTILE_NAMES = List.of("", ",", "a,b", "a b", "a\nb", "a\u0000b", "..", "../x", "-x", ".x",
      "x/y", "/etc", "x=y", "vm\u2215x", "\uff56\uff4d", "vm\u200b", "\u202evm", "v".repeat(64), "x".repeat(5000), "a;rm -rf /",
      "$(id)", "`id`", "a\tb", "\u0430dmin");
  private static final List<String> HOSTILE_OPTION_VALUES = List.of(",", "q35,accel=kvm", "pc,memory-backend=x", "q35\n", "a\u0000b",
      "x=y", "..", "q35 -device x", "\u0440c", "x".repeat(65));
  private static final List<Integer> BAD_UINT32 = List.of(-1, Integer.MIN_VALUE, Integer.MAX_VALUE, -2);
  /** Strings no host may learn anything from: what exists, where, or what a program printed. */
  private static final List<String> HOST_DETAILS = List.of("/etc", "/proc", "/root", "/var/", "/tmp", "resolves to", "does not exist",
      "cannot be read", "Exception", "qemu-system", "java.");

  private record Case(String field, Supplier<Runnable> call) {}

  @Test
  void everyHostileRequestIsRefusedNamingItsFieldAndStartsNothing() throws Exception {
    long seed = Long.getLong("plasmavmc.hostileSeed", System.nanoTime());
    System.out.println("hostile input: seed " + seed + " (-Dplasmavmc.hostileSeed to repeat)");
    Random random = new Random(seed);
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(3))) {
      String guest = TestGuest.dir().toString();
      List<Case> cases = new ArrayList<>();
      for (int i = 0; i < CASES; i++) {
        cases.add(generate(random, plasma, guest, i));
      }
      int refused = 0;
      for (Case c : cases) {
        StatusRuntimeException e;
        try {
          c.call().get().run();
          throw new AssertionError("a hostile " + c.field() + " was accepted");
        } catch (StatusRuntimeException thrown) {
          e = thrown;
        }
        String description = String.valueOf(e.getStatus().getDescription());
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), c.field() + ": " + e.getStatus());
        assertTrue(description.startsWith(c.field()), "names " + c.field() + ": " + description);
        for (String detail : HOST_DETAILS) {
          assertTrue(!description.contains(detail), "tells nothing of the host (" + detail + "): " + description);
        }
        refused++;
      }
      assertEquals(List.of(), QemuProcessTable.livePidsMentioning(plasma.runtimeDir), "no QEMU started");
      for (Path root : List.of(plasma.runtimeDir, plasma.vmsDir, plasma.imageStoreDir)) {
        try (Stream<Path> dirs = Files.list(root)) {
          assertEquals(List.of(), dirs.toList(), "nothing left in " + root + ": no runtime directory, VM directory or image");
        }
      }
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(plasma.channel)
          .check(HealthCheckRequest.newBuilder().setService("plasmavmc.v1.VmService").build()).getStatus());
      System.out.printf("hostile input: %d generated requests, %d refused as INVALID_ARGUMENT naming the field, 0 QEMU started, "
          + "0 runtime directories left, 0 replies naming host files%n", cases.size(), refused);
    }
  }

  private static Case generate(Random random, PlasmaVmcHarness plasma, String guest, int i) {
    var vms = plasma.vms.withDeadlineAfter(1, TimeUnit.MINUTES);
    String name = "hostile-" + i;
    VmSpec.Builder spec = VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true);
    CreateVmRequest.Builder create = CreateVmRequest.newBuilder().setName(name).setSpec(spec);
    String text = pick(random, HOSTILE_NAMES);
    String path = pick(random, List.of("/etc/shadow", "/proc/self/environ", "/root/.bash_history", guest + "/../../../../etc/passwd",
        "vmlinuz", "../vmlinuz", guest, guest + "/no-such-file", guest + "/vmlinuz\n-device x", guest + "/\u0000", "/" + "x".repeat(5000),
        "/dev/sda", "/dev/kvm", "/var/lib/plasmavmc/../../../etc/hosts"));
    int bad = pick(random, BAD_UINT32);
    return switch (random.nextInt(20)) {
      case 0 -> new Case("name", () -> () -> vms.createVm(create.setName(text).build()));
      case 1 -> new Case("request_id", () -> () -> vms.createVm(create.setRequestId(pick(random, List.of("has space", "a\nb", "x".repeat(129),
          "\u00e9t\u00e9", "a\u0000b"))).build()));
      case 2 -> new Case("host_id", () -> () -> vms.createVm(create.setHostId(text.isEmpty() ? "," : text).build()));
      case 3 -> new Case("spec.machine_type", () -> () -> vms.createVm(create.setSpec(spec.setMachineType(pick(random, HOSTILE_OPTION_VALUES))).build()));
      case 4 -> new Case("spec.vcpus", () -> () -> vms.createVm(create.setSpec(spec.setVcpus(pick(random, List.of(-1, Integer.MIN_VALUE, 256, 100000))))
          .build()));
      case 5 -> new Case("spec.memory_mib", () -> () -> vms.createVm(create.setSpec(spec.setMemoryMib(pick(random, List.of(1, 15, -1,
          Integer.MIN_VALUE, Integer.MAX_VALUE, 4 * 1024 * 1024 + 1)))).build()));
      case 6 -> new Case("spec.kernel", () -> () -> vms.createVm(create.setSpec(spec.setKernel(path)).build()));
      case 7 -> new Case("spec.initrd", () -> () -> vms.createVm(create.setSpec(spec.setKernel(guest + "/vmlinuz").setInitrd(path)).build()));
      case 8 -> new Case("spec.kernel_cmdline", () -> () -> vms.createVm(create.setSpec(spec.setKernel(guest + "/vmlinuz")
          .setKernelCmdline(pick(random, List.of("console=ttyS0\n-device x", "a\u0000b", "x".repeat(4097), "a\rb")))).build()));
      case 9 -> new Case("spec.disks[0].path", () -> () -> vms.createVm(create.setSpec(spec.addDisks(Disk.newBuilder().setPath(path)
          .setFormat(DiskFormat.DISK_FORMAT_RAW))).build()));
      case 10 -> new Case("spec.disks[0].format", () -> () -> vms.createVm(create.setSpec(spec.addDisks(Disk.newBuilder()
          .setPath(guest + "/vmlinuz"))).build()));
      case 11 -> {
        int field = random.nextInt(4);
        PortForward.Builder forward = PortForward.newBuilder().setHostPort(2222).setGuestPort(22);
        String which = switch (field) {
          case 0 -> { forward.setProtocol(pick(random, List.of("sctp", "tcp,x", "TCP\n", "\u0442cp"))); yield "protocol"; }
          case 1 -> { forward.setHostAddress(pick(random, List.of("1.2.3.4,x=y", "256.0.0.1", "localhost", "::1", "127.0.0.1\n", "0x7f.1")));
            yield "host_address"; }
          case 2 -> { forward.setHostPort(bad); yield "host_port"; }
          default -> { forward.setGuestPort(pick(random, List.of(-1, 0, 65536, Integer.MIN_VALUE))); yield "guest_port"; }
        };
        yield new Case("spec.port_forwards[0]." + which, () -> () -> vms.createVm(create.setSpec(spec.setNoNetwork(false)
            .addPortForwards(forward)).build()));
      }
      case 12 -> new Case("spec.uuid", () -> () -> vms.createVm(create.setSpec(spec.setUuid(pick(random, List.of("not-a-uuid", "x,y",
          "0b8f2d3e-5c1a-4f4e-9d3b-2a6c7e8f9a0b,x", "\u0000")))).build()));
      case 13 -> new Case("spec.accelerator", () -> () -> vms.createVm(create.setSpec(spec.setAcceleratorValue(pick(random, List.of(99, -1, 4))))
          .build()));
      case 14 -> new Case("timeout_seconds", () -> () -> vms.stopVm(StopVmRequest.newBuilder().setName("any").setTimeoutSeconds(
          pick(random, List.of(-1, Integer.MIN_VALUE, 3601))).build()));
      case 15 -> storage(random, plasma, spec, create, text);
      case 16 -> snapshot(random, plasma, text);
      case 17, 18 -> images(random, plasma, text);
      default -> switch (random.nextInt(5)) {
        case 3 -> migration(random, plasma, text);
        case 0 -> new Case("page_size", () -> () -> vms.listVms(ListVmsRequest.newBuilder().setPageSize(pick(random, List.of(-1, 501,
            Integer.MIN_VALUE))).build()));
        case 1 -> new Case("max_bytes", () -> () -> vms.getConsoleLog(GetConsoleLogRequest.newBuilder().setName("any").setMaxBytes(
            pick(random, List.of(-1, 1048577, Integer.MIN_VALUE))).build()));
        case 2 -> keptConsole(random, plasma, text);
        default -> new Case("name", () -> () -> vms.getVm(GetVmRequest.newBuilder().setName(text).build()));
      };
    };
  }

  /** MigrateVm: a hostile target host or limit (refused before any VM is asked, so "any" need not exist). */
  private static Case migration(Random random, PlasmaVmcHarness plasma, String text) {
    var vms = plasma.vms.withDeadlineAfter(1, TimeUnit.MINUTES);
    MigrateVmRequest.Builder request = MigrateVmRequest.newBuilder().setName("any");
    return switch (random.nextInt(3)) {
      case 0 -> new Case("target_host_id", () -> () -> vms.migrateVm(request.setTargetHostId(text.isEmpty() ? "," : text).build()));
      case 1 -> new Case("max_bandwidth_mibps", () -> () -> vms.migrateVm(request.setMaxBandwidthMibps(pick(random, List.of(-1, 100_001,
          Integer.MIN_VALUE))).build()));
      default -> new Case("max_downtime_ms", () -> () -> vms.migrateVm(request.setMaxDowntimeMs(pick(random, List.of(-1, 60_001,
          Integer.MIN_VALUE))).build()));
    };
  }

  /** GetLifecycleTestAttemptConsole: a hostile run, attempt VM or byte count (the host's files are named by the first two). */
  private static Case keptConsole(Random random, PlasmaVmcHarness plasma, String text) {
    var tests = plasma.tests.withDeadlineAfter(1, TimeUnit.MINUTES);
    GetLifecycleTestAttemptConsoleRequest.Builder request = GetLifecycleTestAttemptConsoleRequest.newBuilder().setRunId("any")
        .setVmName("any-1-1");
    return switch (random.nextInt(3)) {
      case 0 -> new Case("run_id", () -> () -> tests.getLifecycleTestAttemptConsole(request.setRunId(text).build()));
      case 1 -> new Case("vm_name", () -> () -> tests.getLifecycleTestAttemptConsole(request.setVmName(text).build()));
      default -> new Case("max_bytes", () -> () -> tests.getLifecycleTestAttemptConsole(request.setMaxBytes(pick(random, List.of(-1,
          256 * 1024 + 1, Integer.MIN_VALUE))).build()));
    };
  }

  /** A disk of the VM's own or its cloud-init data, one field hostile. */
  private static Case storage(Random random, PlasmaVmcHarness plasma, VmSpec.Builder spec, CreateVmRequest.Builder create, String text) {
    var vms = plasma.vms.withDeadlineAfter(1, TimeUnit.MINUTES);
    String tooLong = pick(random, List.of("x".repeat(64 * 1024 + 1), "\u00e9".repeat(32 * 1024 + 1), "\ud83d\ude80".repeat(16 * 1024 + 1)));
    String field16k = "x".repeat(16 * 1024 + 1);
    return switch (random.nextInt(5)) {
      case 0 -> new Case("spec.disks[0].image", () -> () -> vms.createVm(create.setSpec(spec.addDisks(Disk.newBuilder()
          .setImage(text.isEmpty() ? "a/b" : text))).build()));
      case 1 -> new Case("spec.disks[0].size_gib", () -> () -> vms.createVm(create.setSpec(spec.addDisks(Disk.newBuilder()
          .setImage(pick(random, List.of("debian-12", ""))).setSizeGib(pick(random, List.of(-1, 4097, Integer.MIN_VALUE, Integer.MAX_VALUE)))))
          .build()));
      case 2 -> new Case("spec.cloud_init.user_data", () -> () -> vms.createVm(create.setSpec(spec.setCloudInit(CloudInit.newBuilder()
          .setUserData(tooLong))).build()));
      case 3 -> new Case("spec.cloud_init.meta_data", () -> () -> vms.createVm(create.setSpec(spec.setCloudInit(CloudInit.newBuilder()
          .setMetaData(field16k))).build()));
      default -> new Case("spec.cloud_init.network_config", () -> () -> vms.createVm(create.setSpec(spec.setCloudInit(CloudInit.newBuilder()
          .setNetworkConfig(field16k))).build()));
    };
  }

  private static Case snapshot(Random random, PlasmaVmcHarness plasma, String text) {
    var vms = plasma.vms.withDeadlineAfter(1, TimeUnit.MINUTES);
    return switch (random.nextInt(3)) {
      case 0 -> new Case("snapshot", () -> () -> vms.snapshotVm(SnapshotVmRequest.newBuilder().setName("any").setSnapshot(text).build()));
      case 1 -> new Case("snapshot", () -> () -> vms.restoreSnapshot(RestoreSnapshotRequest.newBuilder().setName("any").setSnapshot(text)
          .build()));
      default -> new Case("snapshot", () -> () -> vms.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName("any").setSnapshot(text)
          .build()));
    };
  }

  /** ImageService: a hostile image name, import source, host or format. */
  private static Case images(Random random, PlasmaVmcHarness plasma, String text) {
    var images = plasma.images.withDeadlineAfter(1, TimeUnit.MINUTES);
    String source = pick(random, List.of("", "/etc/shadow", "../x.qcow2", "a/../../etc/passwd", "..", ".hidden", "a//b", "x\u0000.raw",
        "x".repeat(256), "a,b.raw", "a b.raw", "-o.raw", "x/", "\u2025/x", "C:\\x"));
    return switch (random.nextInt(6)) {
      case 0 -> new Case("name", () -> () -> images.getImage(GetImageRequest.newBuilder().setName(text).build()));
      case 1 -> new Case("name", () -> () -> images.deleteImage(DeleteImageRequest.newBuilder().setName(text).build()));
      case 2 -> new Case("name", () -> () -> images.importImage(ImportImageRequest.newBuilder().setName(text).setSource("ok.raw").build()));
      case 3 -> new Case("source", () -> () -> images.importImage(ImportImageRequest.newBuilder().setName("ok").setSource(source).build()));
      case 4 -> new Case("convert_to", () -> () -> images.importImage(ImportImageRequest.newBuilder().setName("ok").setSource("ok.raw")
          .setConvertToValue(pick(random, List.of(3, 99, -1))).build()));
      default -> new Case("host_id", () -> () -> images.listImages(ListImagesRequest.newBuilder().setHostId(text.isEmpty() ? "," : text)
          .build()));
    };
  }

  private static <T> T pick(Random random, List<T> values) {
    return values.get(random.nextInt(values.size()));
  }
}
