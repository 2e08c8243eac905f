package io.plasmavmc.gateway;

import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.CloudInit;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.PortForward;
import io.plasmavmc.contract.spec.ReadinessProbe;
import io.plasmavmc.contract.spec.VmSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The wire spec (plasmavmc.v1.VmSpec) to and from the host's VmSpec, with PlasmaVMC's defaults. */
final class SpecMapping {
  private SpecMapping() {}

  /** Applies defaults and validates; throws InvalidSpecException naming the field. */
  static VmSpec fromProto(String name, io.plasmavmc.api.v1.VmSpec spec) {
    int vcpus = spec.getVcpus() == 0 ? 1 : unsigned(spec.getVcpus());
    int memory = spec.getMemoryMib() == 0 ? 128 : unsigned(spec.getMemoryMib());
    String machine = spec.getMachineType().isEmpty() ? "q35" : spec.getMachineType();
    Accelerator accelerator = switch (spec.getAccelerator()) {
      case ACCELERATOR_UNSPECIFIED, ACCELERATOR_AUTO -> Accelerator.AUTO;
      case ACCELERATOR_KVM -> Accelerator.KVM;
      case ACCELERATOR_TCG -> Accelerator.TCG;
      default -> throw new InvalidSpecException("spec.accelerator", "must be ACCELERATOR_AUTO, ACCELERATOR_KVM or ACCELERATOR_TCG");
    };
    if (spec.getDisksCount() > VmSpec.MAX_DISKS) {
      throw new InvalidSpecException("spec.disks", "at most " + VmSpec.MAX_DISKS + " disks"); // before reading each of them
    }
    List<DiskSpec> disks = new ArrayList<>();
    for (int i = 0; i < spec.getDisksCount(); i++) {
      disks.add(DiskMapping.fromProto("spec.disks[" + i + "]", spec.getDisks(i)));
    }
    List<PortForward> forwards = new ArrayList<>();
    for (int i = 0; i < spec.getPortForwardsCount(); i++) {
      io.plasmavmc.api.v1.PortForward forward = spec.getPortForwards(i);
      PortForward.Protocol protocol = switch (forward.getProtocol().toLowerCase()) {
        case "", "tcp" -> PortForward.Protocol.TCP;
        case "udp" -> PortForward.Protocol.UDP;
        default -> throw new InvalidSpecException("spec.port_forwards[" + i + "].protocol", "must be tcp or udp");
      };
      forwards.add(new PortForward(protocol, forward.getHostAddress().isEmpty() ? "127.0.0.1" : forward.getHostAddress(),
          unsigned(forward.getHostPort()), unsigned(forward.getGuestPort())));
    }
    String uuid = spec.getUuid().isEmpty() ? UUID.randomUUID().toString() : spec.getUuid();
    VmSpec result = new VmSpec(name, uuid, vcpus, memory, machine, accelerator,
        emptyToNull(spec.getKernel()), emptyToNull(spec.getInitrd()), emptyToNull(spec.getKernelCmdline()),
        disks, !spec.getNoNetwork(), forwards, readiness(spec), spec.getGuestAgent(), cloudInit(spec));
    return result.validate();
  }

  /** The wire's empty strings stay empty: an empty meta-data is the host's default one, an empty user-data an empty file. */
  private static CloudInit cloudInit(io.plasmavmc.api.v1.VmSpec spec) {
    if (!spec.hasCloudInit()) {
      return null;
    }
    io.plasmavmc.api.v1.CloudInit data = spec.getCloudInit();
    return new CloudInit(data.getUserData(), data.getMetaData(), data.getNetworkConfig());
  }

  private static ReadinessProbe readiness(io.plasmavmc.api.v1.VmSpec spec) {
    if (!spec.hasReadiness()) {
      return null;
    }
    io.plasmavmc.api.v1.ReadinessProbe probe = spec.getReadiness();
    int timeout = probe.getTimeoutSeconds() == 0 ? ReadinessProbe.DEFAULT_TIMEOUT_SECONDS : unsigned(probe.getTimeoutSeconds());
    return new ReadinessProbe(probe.getSerialPattern().isEmpty() ? null : probe.getSerialPattern(), timeout,
        probe.getGuestAgent());
  }

  static io.plasmavmc.api.v1.VmSpec toProto(VmSpec spec) {
    io.plasmavmc.api.v1.VmSpec.Builder builder = io.plasmavmc.api.v1.VmSpec.newBuilder()
        .setVcpus(spec.vcpus())
        .setMemoryMib(spec.memoryMib())
        .setMachineType(spec.machineType())
        .setAccelerator(switch (spec.accelerator()) {
          case KVM -> io.plasmavmc.api.v1.Accelerator.ACCELERATOR_KVM;
          case TCG -> io.plasmavmc.api.v1.Accelerator.ACCELERATOR_TCG;
          case AUTO -> io.plasmavmc.api.v1.Accelerator.ACCELERATOR_AUTO;
        })
        .setKernel(nullToEmpty(spec.kernel()))
        .setInitrd(nullToEmpty(spec.initrd()))
        .setKernelCmdline(nullToEmpty(spec.kernelCmdline()))
        .setNoNetwork(!spec.network())
        .setUuid(nullToEmpty(spec.uuid()))
        .setGuestAgent(spec.guestAgent());
    spec.disks().forEach(disk -> builder.addDisks(DiskMapping.toProto(disk)));
    for (PortForward forward : spec.portForwards()) {
      builder.addPortForwards(io.plasmavmc.api.v1.PortForward.newBuilder()
          .setProtocol(forward.protocol().name().toLowerCase())
          .setHostAddress(nullToEmpty(forward.hostAddress()))
          .setHostPort(forward.hostPort())
          .setGuestPort(forward.guestPort()));
    }
    if (spec.cloudInit() != null) {
      builder.setCloudInit(io.plasmavmc.api.v1.CloudInit.newBuilder().setUserData(nullToEmpty(spec.cloudInit().userData()))
          .setMetaData(nullToEmpty(spec.cloudInit().metaData())).setNetworkConfig(nullToEmpty(spec.cloudInit().networkConfig())));
    }
    if (spec.readiness() != null) {
      builder.setReadiness(io.plasmavmc.api.v1.ReadinessProbe.newBuilder()
          .setSerialPattern(nullToEmpty(spec.readiness().serialPattern()))
          .setTimeoutSeconds(spec.readiness().timeoutSeconds())
          .setGuestAgent(spec.readiness().guestAgent()));
    }
    return builder.build();
  }

  /** A uint32 as Java reads it (2^31 and above arrive negative), capped at Integer.MAX_VALUE: always out of range then. */
  static int unsigned(int uint32) {
    return (int) Math.min(Integer.toUnsignedLong(uint32), Integer.MAX_VALUE);
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
