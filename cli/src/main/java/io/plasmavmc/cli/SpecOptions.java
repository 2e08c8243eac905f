package io.plasmavmc.cli;

import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.PortForward;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.VmSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** The options that make a VM spec: create and test take them. */
final class SpecOptions {
  static final String TEST_GUEST_CMDLINE = "console=ttyS0 quiet panic=-1";
  static final List<String> TEST_GUESTS = List.of("graceful", "stubborn", "agent");

  private final OptionSpec memory = Args.number("--memory", "MIB", 0, "memory (default: 128)");
  private final OptionSpec vcpus = Args.number("--vcpus", "N", 0, "virtual CPUs (default: 1)");
  private final OptionSpec machine = Args.text("--machine", "TYPE", "", "QEMU machine type (default: q35)");
  private final OptionSpec accel = Args.choice("--accel", "ACCEL", List.of("auto", "kvm", "tcg"),
      "${CHOICES} (default: auto, KVM where usable; tcg with --test-guest)");
  private final OptionSpec testGuest = Args.choice("--test-guest", "VARIANT", TEST_GUESTS,
      "the project's test guest (tools/guest/build.sh): ${CHOICES}");
  private final OptionSpec kernel = Args.text("--kernel", "PATH", "a kernel to boot directly (inside the image roots)");
  private final OptionSpec initrd = Args.text("--initrd", "PATH", "its initramfs (with --kernel)");
  private final OptionSpec cmdline = Args.text("--cmdline", "TEXT", "its command line (with --kernel)");
  private final DiskOptions disks = new DiskOptions();
  private final CloudInitOptions cloudInit = new CloudInitOptions();
  private final OptionSpec forwards = Args.repeatable("--forward", "[udp:]HOSTPORT:GUESTPORT", "a port forward to the guest (repeatable)");
  private final OptionSpec noNetwork = Args.flag("--no-network", "no network device");
  private final OptionSpec guestAgent = Args.flag("--guest-agent", "give the guest the QEMU guest agent's channel");
  private final OptionSpec readyPattern = Args.text("--ready-pattern", "REGEX", "the guest is ready once its console shows this (RE2)");
  private final OptionSpec readyAgent = Args.flag("--ready-agent", "the guest is ready once its guest agent answers");
  private final OptionSpec readyTimeout = Args.optionalNumber("--ready-timeout", "SECONDS", "how long readiness may take (default: 120)");

  SpecOptions(GatewayCommand command) {
    List.of(memory, vcpus, machine, accel, testGuest, kernel, initrd, cmdline).forEach(command::arg);
    disks.options().forEach(command::arg);
    cloudInit.options().forEach(command::arg);
    List.of(forwards, noNetwork, guestAgent, readyPattern, readyAgent, readyTimeout).forEach(command::arg);
  }

  /** The test guest asked for, if any. */
  String testGuest() {
    return testGuest.getValue();
  }

  VmSpec.Builder spec() throws IOException {
    String accelerator = accel.getValue();
    VmSpec.Builder spec = VmSpec.newBuilder()
        .setMemoryMib(memory.getValue())
        .setVcpus(vcpus.getValue())
        .setMachineType(machine.getValue())
        .setNoNetwork(noNetwork.getValue())
        .setAccelerator(accelerator(accelerator == null ? "auto" : accelerator));
    if (testGuest() != null) {
      testGuest(spec, accelerator == null);
    }
    String bootKernel = kernel.getValue();
    String initramfs = initrd.getValue();
    String commandLine = cmdline.getValue();
    if (bootKernel != null) {
      spec.setKernel(bootKernel).setInitrd(initramfs == null ? "" : initramfs).setKernelCmdline(commandLine == null ? "" : commandLine);
    } else if (initramfs != null || commandLine != null) {
      throw new IllegalArgumentException("--initrd and --cmdline go with --kernel");
    }
    disks.addTo(spec);
    cloudInit.addTo(spec);
    Args.values(forwards).forEach(forward -> spec.addPortForwards(forward(forward)));
    if (guestAgent.<Boolean>getValue()) {
      spec.setGuestAgent(true);
    }
    String pattern = readyPattern.getValue();
    boolean agent = readyAgent.getValue();
    Integer timeout = readyTimeout.getValue();
    if (pattern != null || agent) {
      spec.setReadiness(ReadinessProbe.newBuilder().setSerialPattern(pattern == null ? "" : pattern)
          .setGuestAgent(agent).setTimeoutSeconds(timeout == null ? 0 : timeout));
    } else if (timeout != null) {
      throw new IllegalArgumentException("--ready-timeout goes with --ready-pattern or --ready-agent");
    }
    return spec;
  }

  private void testGuest(VmSpec.Builder spec, boolean anyAccelerator) {
    String variant = testGuest();
    if (!TEST_GUESTS.contains(variant)) {
      throw new IllegalArgumentException("--test-guest must be graceful, stubborn or agent");
    }
    Path guest = GuestImages.dir();
    spec.setGuestAgent(variant.equals("agent"))
        .setKernel(guest.resolve("vmlinuz").toString())
        .setInitrd(guest.resolve("initrd-" + variant + ".img").toString())
        .setKernelCmdline(TEST_GUEST_CMDLINE);
    if (anyAccelerator) {
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
