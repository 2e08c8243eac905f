package io.plasmavmc.launcher;

import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.PortForward;
import io.plasmavmc.api.v1.VmSpec;
import java.nio.file.Path;

/** A VM spec from vmctl's options (create and test share them). */
final class SpecOptions {
  private SpecOptions() {}

  static VmSpec.Builder spec(Options options) {
    VmSpec.Builder spec = VmSpec.newBuilder()
        .setMemoryMib(options.integer("--memory", 0))
        .setVcpus(options.integer("--vcpus", 0))
        .setMachineType(options.value("--machine", ""))
        .setNoNetwork(options.flag("--no-network"))
        .setAccelerator(switch (options.value("--accel", "auto")) {
          case "auto" -> Accelerator.ACCELERATOR_AUTO;
          case "kvm" -> Accelerator.ACCELERATOR_KVM;
          case "tcg" -> Accelerator.ACCELERATOR_TCG;
          default -> throw new IllegalArgumentException("--accel must be auto, kvm or tcg");
        });
    String testGuest = options.value("--test-guest", null);
    if (testGuest != null) {
      Path guest = GuestImages.dir();
      if (!testGuest.equals("graceful") && !testGuest.equals("stubborn") && !testGuest.equals("agent")) {
        throw new IllegalArgumentException("--test-guest must be graceful, stubborn or agent");
      }
      spec.setGuestAgent(testGuest.equals("agent"));
      spec.setKernel(guest.resolve("vmlinuz").toString())
          .setInitrd(guest.resolve("initrd-" + testGuest + ".img").toString())
          .setKernelCmdline("console=ttyS0 quiet panic=-1");
      if (options.value("--accel", null) == null) {
        spec.setAccelerator(Accelerator.ACCELERATOR_TCG); // boots on any host, nested KVM included
      }
    }
    String kernel = options.value("--kernel", null);
    if (kernel != null) {
      spec.setKernel(kernel).setInitrd(options.value("--initrd", "")).setKernelCmdline(options.value("--cmdline", ""));
    }
    for (String disk : options.all("--disk")) {
      String[] parts = disk.split(":");
      Disk.Builder d = Disk.newBuilder().setPath(parts[0]).setFormat(DiskFormat.DISK_FORMAT_RAW);
      for (int i = 1; i < parts.length; i++) {
        switch (parts[i]) {
          case "raw" -> d.setFormat(DiskFormat.DISK_FORMAT_RAW);
          case "qcow2" -> d.setFormat(DiskFormat.DISK_FORMAT_QCOW2);
          case "ro" -> d.setReadOnly(true);
          default -> throw new IllegalArgumentException("--disk PATH[:raw|qcow2][:ro], not " + disk);
        }
      }
      spec.addDisks(d);
    }
    for (String forward : options.all("--forward")) {
      String[] parts = forward.split(":");
      String protocol = parts.length == 3 ? parts[0] : "tcp";
      try {
        spec.addPortForwards(PortForward.newBuilder().setProtocol(protocol)
            .setHostPort(Integer.parseInt(parts[parts.length - 2])).setGuestPort(Integer.parseInt(parts[parts.length - 1])));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("--forward [udp:]HOSTPORT:GUESTPORT, not " + forward);
      }
    }
    if (options.flag("--guest-agent")) {
      spec.setGuestAgent(true);
    }
    String readyPattern = options.value("--ready-pattern", null);
    boolean readyAgent = options.flag("--ready-agent");
    if (readyPattern != null || readyAgent) {
      spec.setReadiness(io.plasmavmc.api.v1.ReadinessProbe.newBuilder().setSerialPattern(readyPattern == null ? "" : readyPattern)
          .setGuestAgent(readyAgent).setTimeoutSeconds(options.integer("--ready-timeout", 0)));
    }
    return spec;
  }
}
