package io.plasmavmc.workflow;

import io.plasmavmc.contract.fleet.HostAdmission;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.Reservation;
import java.util.ArrayList;
import java.util.List;

/**
 * A registered host's room, by its size and admission limits: what is committed (the room its VMs
 * reserved, but never less than the host last reported, since VMs that predate placement hold no
 * reservation) and what is left. Pure: the host's workflow decides a reservation by it, placement
 * ranks hosts by it, and both word a refusal the same way.
 */
final class HostRoom {
  /** What a VM takes of a host, in the order a refusal names them. */
  enum Resource { MEMORY, VCPUS, VMS }

  private static final long UNLIMITED = Long.MAX_VALUE / 4;

  private final HostInfo info;
  private final HostAdmission admission;
  private final long vms;
  private final long vcpus;
  private final long memoryMib;

  private HostRoom(HostInfo info, HostLoad load, List<Reservation> reservations) {
    this.info = info;
    HostAdmission given = info.admission();
    this.admission = new HostAdmission(given == null ? 0 : given.maxVms(),
        given == null || given.memoryOvercommit() <= 0 ? 1.0 : given.memoryOvercommit(),
        given == null || given.cpuAllocationRatio() <= 0 ? HostAdmission.DEFAULT_CPU_ALLOCATION_RATIO : given.cpuAllocationRatio());
    long reservedVcpus = reservations.stream().mapToLong(Reservation::vcpus).sum();
    long reservedMemory = reservations.stream().mapToLong(Reservation::memoryMib).sum();
    this.vms = Math.max(reservations.size(), load == null ? 0 : load.vms());
    this.vcpus = Math.max(reservedVcpus, load == null ? 0 : load.vcpusCommitted());
    this.memoryMib = Math.max(reservedMemory, load == null ? 0 : load.memoryCommittedMib());
  }

  /** The room of a host that registered; its reservations other than {@code exceptVmId}'s (null: all). */
  static HostRoom of(HostRecord host, String exceptVmId) {
    List<Reservation> others = new ArrayList<>();
    host.reservations().forEach((vmId, reservation) -> {
      if (!vmId.equals(exceptVmId)) {
        others.add(reservation);
      }
    });
    return new HostRoom(host.info(), host.load(), others);
  }

  static HostRoom of(HostRecord host) {
    return of(host, null);
  }

  String hostId() {
    return info.hostId();
  }

  long limit(Resource resource) {
    return switch (resource) {
      case VMS -> admission.maxVms() <= 0 ? UNLIMITED : admission.maxVms();
      case VCPUS -> info.vcpus() <= 0 ? UNLIMITED : (long) Math.floor(info.vcpus() * admission.cpuAllocationRatio());
      case MEMORY -> info.memoryMib() <= 0 ? UNLIMITED : (long) Math.floor(info.memoryMib() * admission.memoryOvercommit());
    };
  }

  long committed(Resource resource) {
    return switch (resource) {
      case VMS -> vms;
      case VCPUS -> vcpus;
      case MEMORY -> memoryMib;
    };
  }

  long free(Resource resource) {
    return Math.max(0, limit(resource) - committed(resource));
  }

  static long need(Resource resource, int vcpus, long memoryMib) {
    return switch (resource) {
      case VMS -> 1;
      case VCPUS -> vcpus;
      case MEMORY -> memoryMib;
    };
  }

  /** The resources a VM of {@code vcpus} and {@code memoryMib} does not fit in, in {@link Resource}'s order. */
  List<Resource> lacking(int vcpus, long memoryMib) {
    List<Resource> lacking = new ArrayList<>();
    for (Resource resource : Resource.values()) {
      if (need(resource, vcpus, memoryMib) > free(resource)) {
        lacking.add(resource);
      }
    }
    return lacking;
  }

  /** Memory left once the VM is in: what SPREAD and PACK compare. */
  long memoryLeftAfter(long vmMemoryMib) {
    return free(Resource.MEMORY) - vmMemoryMib;
  }

  /** Why the VM does not fit, for a HOST_FULL refusal: the resource, what is free, what it needs, and how the limit comes about. */
  String refusal(Resource resource, int vcpus, long memoryMib) {
    String host = "host " + hostId();
    return switch (resource) {
      case VMS -> host + " holds " + vms + " VMs, its limit (max VMs " + admission.maxVms() + ")";
      case VCPUS -> host + " has " + free(resource) + " vCPUs free, the VM needs " + vcpus + " (" + info.vcpus()
          + " vCPUs times the allocation ratio of " + admission.cpuAllocationRatio() + " = " + limit(resource) + ", " + this.vcpus
          + " committed)";
      case MEMORY -> host + " has " + free(resource) + " MiB of memory free, the VM needs " + memoryMib + " (" + info.memoryMib()
          + " MiB times the overcommit of " + admission.memoryOvercommit() + " = " + limit(resource) + " MiB, " + this.memoryMib
          + " MiB committed)";
    };
  }

  /** What the host has committed of what it admits, e.g. "2048 of 8192 MiB, 4 of 64 vCPUs, 2 of 20 VMs committed". */
  String figures() {
    return shown(Resource.MEMORY) + " MiB, " + shown(Resource.VCPUS) + " vCPUs, " + shown(Resource.VMS) + " VMs committed";
  }

  private String shown(Resource resource) {
    long limit = limit(resource);
    return committed(resource) + (limit == UNLIMITED ? "" : " of " + limit);
  }
}
