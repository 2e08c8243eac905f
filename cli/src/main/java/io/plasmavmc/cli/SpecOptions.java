package io.plasmavmc.cli;

import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.PortForward;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that make a VM spec: create and test take them. */
final class SpecOptions {
  static final String TEST_GUEST_CMDLINE = "console=ttyS0 quiet panic=-1";

  @Option(names = "--memory", paramLabel = "MIB", description = "memory (default: 128)")
  int memory;

  @Option(names = "--vcpus", paramLabel = "N", description = "virtual CPUs (default: 1)")
  int vcpus;

  @Option(names = "--machine", paramLabel = "TYPE", description = "QEMU machine type (default: q35)")
  String machine = "";

  @Option(names = "--accel", paramLabel = "ACCEL", completionCandidates = Candidates.Accelerators.class,
      description = "${COMPLETION-CANDIDATES} (default: auto, KVM where usable; tcg with --test-guest)")
  String accel;

  @Option(names = "--test-guest", paramLabel = "VARIANT", completionCandidates = Candidates.TestGuests.class,
      description = "the project's test guest (tools/guest/build.sh): ${COMPLETION-CANDIDATES}")
  String testGuest;

  @Option(names = "--kernel", paramLabel = "PATH", description = "a kernel to boot directly (inside the image roots)")
  String kernel;

  @Option(names = "--initrd", paramLabel = "PATH", description = "its initramfs (with --kernel)")
  String initrd;

  @Option(names = "--cmdline", paramLabel = "TEXT", description = "its command line (with --kernel)")
  String cmdline;

  @Option(names = "--disk", paramLabel = "PATH[:raw|qcow2][:ro]", description = "a disk (repeatable; inside the image roots)")
  List<String> disks = new ArrayList<>();

  @Option(names = "--forward", paramLabel = "[udp:]HOSTPORT:GUESTPORT", description = "a port forward to the guest (repeatable)")
  List<String> forwards = new ArrayList<>();

  @Option(names = "--no-network", description = "no network device")
  boolean noNetwork;

  @Option(names = "--guest-agent", description = "give the guest the QEMU guest agent's channel")
  boolean guestAgent;

  @Option(names = "--ready-pattern", paramLabel = "REGEX", description = "the guest is ready once its console shows this (RE2)")
  String readyPattern;

  @Option(names = "--ready-agent", description = "the guest is ready once its guest agent answers")
  boolean readyAgent;

  @Option(names = "--ready-timeout", paramLabel = "SECONDS", description = "how long readiness may take (default: 120)")
  Integer readyTimeout;

  VmSpec.Builder spec() {
    VmSpec.Builder spec = VmSpec.newBuilder()
        .setMemoryMib(memory)
        .setVcpus(vcpus)
        .setMachineType(machine)
        .setNoNetwork(noNetwork)
        .setAccelerator(accelerator(accel == null ? "auto" : accel));
    if (testGuest != null) {
      testGuest(spec);
    }
    if (kernel != null) {
      spec.setKernel(kernel).setInitrd(initrd == null ? "" : initrd).setKernelCmdline(cmdline == null ? "" : cmdline);
    } else if (initrd != null || cmdline != null) {
      throw new IllegalArgumentException("--initrd and --cmdline go with --kernel");
    }
    disks.forEach(disk -> spec.addDisks(disk(disk)));
    forwards.forEach(forward -> spec.addPortForwards(forward(forward)));
    if (guestAgent) {
      spec.setGuestAgent(true);
    }
    if (readyPattern != null || readyAgent) {
      spec.setReadiness(ReadinessProbe.newBuilder().setSerialPattern(readyPattern == null ? "" : readyPattern)
          .setGuestAgent(readyAgent).setTimeoutSeconds(readyTimeout == null ? 0 : readyTimeout));
    } else if (readyTimeout != null) {
      throw new IllegalArgumentException("--ready-timeout goes with --ready-pattern or --ready-agent");
    }
    return spec;
  }

  private void testGuest(VmSpec.Builder spec) {
    if (!new Candidates.TestGuests().contains(testGuest)) {
      throw new IllegalArgumentException("--test-guest must be graceful, stubborn or agent");
    }
    Path guest = GuestImages.dir();
    spec.setGuestAgent(testGuest.equals("agent"))
        .setKernel(guest.resolve("vmlinuz").toString())
        .setInitrd(guest.resolve("initrd-" + testGuest + ".img").toString())
        .setKernelCmdline(TEST_GUEST_CMDLINE);
    if (accel == null) {
      spec.setAccelerator(Accelerator.ACCELERATOR_TCG); // boots on any host, nested KVM included
    }
  }

  private static Accelerator accelerator(String name) {
    return switch (name) {
      case "auto" -> Accelerator.ACCELERATOR_AUTO;
      case "kvm" -> Accelerator.ACCELERATOR_KVM;
      case "tcg" -> Accelerator.ACCELERATOR_TCG;
      default -> throw new IllegalArgumentException("--accel must be auto, kvm or tcg");
    };
  }

  private static Disk disk(String option) {
    String[] parts = option.split(":");
    Disk.Builder disk = Disk.newBuilder().setPath(parts[0]).setFormat(DiskFormat.DISK_FORMAT_RAW);
    for (int i = 1; i < parts.length; i++) {
      switch (parts[i]) {
        case "raw" -> disk.setFormat(DiskFormat.DISK_FORMAT_RAW);
        case "qcow2" -> disk.setFormat(DiskFormat.DISK_FORMAT_QCOW2);
        case "ro" -> disk.setReadOnly(true);
        default -> throw new IllegalArgumentException("--disk PATH[:raw|qcow2][:ro], not " + option);
      }
    }
    return disk.build();
  }

  private static PortForward forward(String option) {
    String[] parts = option.split(":");
    try {
      return PortForward.newBuilder().setProtocol(parts.length == 3 ? parts[0] : "tcp")
          .setHostPort(Integer.parseInt(parts[parts.length - 2])).setGuestPort(Integer.parseInt(parts[parts.length - 1])).build();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--forward [udp:]HOSTPORT:GUESTPORT, not " + option);
    }
  }
}
