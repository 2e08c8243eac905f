package io.plasmavmc.contract.spec;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * What a VM is made of. Paths are checked against the host's image roots when QEMU's command line
 * is built ({@code QemuCommandLine}); everything else is checked here, so the gateway and the
 * workflow can refuse a bad spec before anything reaches a host.
 */
public record VmSpec(
    String name,
    String uuid,
    int vcpus,
    int memoryMib,
    String machineType,
    Accelerator accelerator,
    String kernel,
    String initrd,
    String kernelCmdline,
    List<DiskSpec> disks,
    boolean network,
    List<PortForward> portForwards,
    ReadinessProbe readiness,
    boolean guestAgent,
    CloudInit cloudInit) {

  public static final int MIN_MEMORY_MIB = 16;
  public static final int MAX_MEMORY_MIB = 4 * 1024 * 1024;
  public static final int MAX_VCPUS = 255;
  public static final int MAX_DISKS = 16;

  private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}");
  /** An image's name in a host's image store: a file name of its own, never a path. */
  public static final Pattern IMAGE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}");
  private static final Pattern MACHINE = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}");
  private static final Pattern IPV4 =
      Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

  public VmSpec {
    disks = disks == null ? List.of() : List.copyOf(disks);
    portForwards = portForwards == null ? List.of() : List.copyOf(portForwards);
  }

  /** A spec without cloud-init data. */
  public VmSpec(String name, String uuid, int vcpus, int memoryMib, String machineType, Accelerator accelerator, String kernel,
      String initrd, String kernelCmdline, List<DiskSpec> disks, boolean network, List<PortForward> portForwards,
      ReadinessProbe readiness, boolean guestAgent) {
    this(name, uuid, vcpus, memoryMib, machineType, accelerator, kernel, initrd, kernelCmdline, disks, network, portForwards,
        readiness, guestAgent, null);
  }

  /** A spec with PlasmaVMC's defaults: 1 vCPU, 128 MiB, q35, AUTO, user-mode network. */
  public static VmSpec of(String name) {
    return new VmSpec(name, null, 1, 128, "q35", Accelerator.AUTO, null, null, null, List.of(), true, List.of(), null, false);
  }

  public VmSpec withUuid(String value) {
    return new VmSpec(name, value, vcpus, memoryMib, machineType, accelerator, kernel, initrd, kernelCmdline, disks, network, portForwards, readiness, guestAgent, cloudInit);
  }

  public VmSpec withResources(int cpus, int mib) {
    return new VmSpec(name, uuid, cpus, mib, machineType, accelerator, kernel, initrd, kernelCmdline, disks, network, portForwards, readiness, guestAgent, cloudInit);
  }

  public VmSpec withAccelerator(Accelerator value) {
    return new VmSpec(name, uuid, vcpus, memoryMib, machineType, value, kernel, initrd, kernelCmdline, disks, network, portForwards, readiness, guestAgent, cloudInit);
  }

  public VmSpec withMachineType(String value) {
    return new VmSpec(name, uuid, vcpus, memoryMib, value, accelerator, kernel, initrd, kernelCmdline, disks, network, portForwards, readiness, guestAgent, cloudInit);
  }

  public VmSpec withKernel(String kernelPath, String initrdPath, String cmdline) {
    return new VmSpec(name, uuid, vcpus, memoryMib, machineType, accelerator, kernelPath, initrdPath, cmdline, disks, network, portForwards, readiness, guestAgent, cloudInit);
  }

  public VmSpec withDisks(List<DiskSpec> value) {
    return new VmSpec(name, uuid, vcpus, memoryMib, machineType, accelerator, kernel, initrd, kernelCmdline, value, network, portForwards, readiness, guestAgent, cloudInit);
  }

  public VmSpec withNetwork(boolean enabled, List<PortForward> forwards) {
    return new VmSpec(name, uuid, vcpus, memoryMib, machineType, accelerator, kernel, initrd, kernelCmdline, disks, enabled, forwards, readiness, guestAgent, cloudInit);
  }

  public VmSpec withReadiness(ReadinessProbe probe) {
    return new VmSpec(name, uuid, vcpus, memoryMib, machineType, accelerator, kernel, initrd, kernelCmdline, disks, network, portForwards, probe, guestAgent, cloudInit);
  }

  public VmSpec withGuestAgent(boolean enabled) {
    return new VmSpec(name, uuid, vcpus, memoryMib, machineType, accelerator, kernel, initrd, kernelCmdline, disks, network, portForwards,
        readiness, enabled, cloudInit);
  }

  public VmSpec withCloudInit(CloudInit value) {
    return new VmSpec(name, uuid, vcpus, memoryMib, machineType, accelerator, kernel, initrd, kernelCmdline, disks, network, portForwards,
        readiness, guestAgent, value);
  }

  /** Whether the VM has disks of its own (overlays, blank disks) or a cloud-init seed: a VM directory on its host. */
  public boolean hasOwnStorage() {
    return cloudInit != null || disks.stream().anyMatch(DiskSpec::owned);
  }

  /** Checks every field that needs no host to check; throws naming the first bad field. */
  public VmSpec validate() {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new InvalidSpecException("spec.name", "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (uuid != null && !uuid.isEmpty()) {
      try {
        if (!UUID.fromString(uuid).toString().equalsIgnoreCase(uuid)) {
          throw new IllegalArgumentException();
        }
      } catch (IllegalArgumentException e) {
        throw new InvalidSpecException("spec.uuid", "must be a UUID like 0b8f2d3e-5c1a-4f4e-9d3b-2a6c7e8f9a0b");
      }
    }
    if (vcpus < 1 || vcpus > MAX_VCPUS) {
      throw new InvalidSpecException("spec.vcpus", "must be between 1 and " + MAX_VCPUS);
    }
    if (memoryMib < MIN_MEMORY_MIB || memoryMib > MAX_MEMORY_MIB) {
      throw new InvalidSpecException("spec.memory_mib", "must be between " + MIN_MEMORY_MIB + " and " + MAX_MEMORY_MIB);
    }
    if (machineType == null || !MACHINE.matcher(machineType).matches()) {
      throw new InvalidSpecException("spec.machine_type", "must be a QEMU machine name such as q35 or pc");
    }
    if (accelerator == null) {
      throw new InvalidSpecException("spec.accelerator", "must be kvm, tcg or auto");
    }
    if (isBlank(kernel) && (!isBlank(initrd) || !isBlank(kernelCmdline))) {
      throw new InvalidSpecException("spec.kernel", "is required when an initrd or a kernel command line is given");
    }
    if (kernelCmdline != null && hasControlCharacter(kernelCmdline)) {
      throw new InvalidSpecException("spec.kernel_cmdline", "must not contain control characters such as newlines");
    }
    if (kernelCmdline != null && kernelCmdline.length() > 4096) {
      throw new InvalidSpecException("spec.kernel_cmdline", "must be at most 4096 characters");
    }
    if (disks.size() > MAX_DISKS) {
      throw new InvalidSpecException("spec.disks", "at most " + MAX_DISKS + " disks");
    }
    for (int i = 0; i < disks.size(); i++) {
      checkDisk("spec.disks[" + i + "]", disks.get(i));
    }
    if (cloudInit != null) {
      checkText("spec.cloud_init.user_data", cloudInit.userData(), CloudInit.MAX_USER_DATA_BYTES);
      checkText("spec.cloud_init.meta_data", cloudInit.metaData(), CloudInit.MAX_META_DATA_BYTES);
      checkText("spec.cloud_init.network_config", cloudInit.networkConfig(), CloudInit.MAX_NETWORK_CONFIG_BYTES);
    }
    if (!network && !portForwards.isEmpty()) {
      throw new InvalidSpecException("spec.port_forwards", "need the network enabled");
    }
    for (int i = 0; i < portForwards.size(); i++) {
      PortForward forward = portForwards.get(i);
      String field = "spec.port_forwards[" + i + "]";
      if (forward == null || forward.protocol() == null) {
        throw new InvalidSpecException(field + ".protocol", "must be tcp or udp");
      }
      if (forward.hostAddress() != null && !forward.hostAddress().isEmpty() && !IPV4.matcher(forward.hostAddress()).matches()) {
        throw new InvalidSpecException(field + ".host_address", "must be an IPv4 address such as 127.0.0.1");
      }
      if (forward.hostPort() < 1 || forward.hostPort() > 65535) {
        throw new InvalidSpecException(field + ".host_port", "must be between 1 and 65535");
      }
      if (forward.guestPort() < 1 || forward.guestPort() > 65535) {
        throw new InvalidSpecException(field + ".guest_port", "must be between 1 and 65535");
      }
    }
    if (readiness != null) {
      readiness.validate();
      if (readiness.guestAgent() && !guestAgent) {
        throw new InvalidSpecException("spec.readiness.guest_agent", "needs spec.guest_agent: the VM must have the agent's channel");
      }
    }
    return this;
  }

  private static void checkDisk(String field, DiskSpec disk) {
    if (disk == null) {
      throw new InvalidSpecException(field, "is required");
    }
    boolean path = !isBlank(disk.path());
    boolean image = !isBlank(disk.image());
    if (path && image) {
      throw new InvalidSpecException(field, "takes a path or an image, not both");
    }
    if (disk.sizeGib() < 0 || disk.sizeGib() > DiskSpec.MAX_SIZE_GIB) {
      throw new InvalidSpecException(field + ".size_gib", "must be between 1 and " + DiskSpec.MAX_SIZE_GIB);
    }
    if (path) {
      if (disk.format() == null) {
        throw new InvalidSpecException(field + ".format", "must be raw or qcow2");
      }
      if (disk.sizeGib() != 0) {
        throw new InvalidSpecException(field + ".size_gib", "is for a disk of the VM's own (image or blank), not a path");
      }
      return;
    }
    if (image && !IMAGE_NAME.matcher(disk.image()).matches()) {
      throw new InvalidSpecException(field + ".image", "must be an image's name: 1-63 characters of letters, digits, '.', '_' or '-'");
    }
    if (!image && disk.sizeGib() == 0) {
      throw new InvalidSpecException(field, "needs a path, an image or a size_gib (a blank disk)");
    }
    if (disk.readOnly()) {
      throw new InvalidSpecException(field + ".read_only", "is for a path: a disk of the VM's own is written by the VM");
    }
  }

  private static void checkText(String field, String value, int maxBytes) {
    if (value != null && value.getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw new InvalidSpecException(field, "must be at most " + maxBytes + " bytes");
    }
  }

  static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  public static boolean hasControlCharacter(String value) {
    return value.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
  }
}
