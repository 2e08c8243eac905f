package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.VmMapping.timestamp;

import io.plasmavmc.api.v1.Drain;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostCapacity;
import io.plasmavmc.api.v1.HostState;
import io.plasmavmc.api.v1.HostUsage;
import io.plasmavmc.contract.fleet.DrainProgress;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.Reservation;
import java.util.TreeSet;

/** A host's workflow record as the wire's plasmavmc.v1.Host. */
final class HostMapping {
  private HostMapping() {}

  static Host toProto(HostRecord record) {
    Host.Builder host = Host.newBuilder().setId(record.hostId()).setState(state(record)).setStateReason(reason(record))
        .setUsage(usage(record)).addAllVms(new TreeSet<>(record.reservations().keySet()));
    HostInfo info = record.info();
    if (info != null) {
      host.setAddress(text(info.address())).setAccelerator(text(info.accelerator())).setQemuVersion(text(info.qemuVersion())).putAllLabels(info.labels())
          .setCapacity(HostCapacity.newBuilder().setVcpus(info.vcpus()).setMemoryMib(info.memoryMib())
              .setMaxVms(info.admission().maxVms()).setMemoryOvercommit(info.admission().memoryOvercommit())
              .setCpuAllocationRatio(info.admission().cpuAllocationRatio())
              .setMaxConcurrentSpawns(info.admission().maxConcurrentSpawns()));
      if (info.workerStartedAt() != null) {
        host.setWorkerStartedAt(timestamp(info.workerStartedAt()));
      }
    }
    if (record.lastReportAt() != null) {
      host.setLastReportAt(timestamp(record.lastReportAt()));
    }
    if (record.drain() != null) {
      host.setDrain(drain(record.drain()));
    }
    return host.build();
  }

  /** The contract's state of the host (unreachable first, then a drain under way, then cordoned) as the API's. */
  static HostState state(HostRecord record) {
    return switch (io.plasmavmc.contract.fleet.HostState.of(record)) {
      case READY -> HostState.HOST_STATE_READY;
      case CORDONED -> HostState.HOST_STATE_CORDONED;
      case DRAINING -> HostState.HOST_STATE_DRAINING;
      case UNREACHABLE -> HostState.HOST_STATE_UNREACHABLE;
    };
  }

  private static String reason(HostRecord record) {
    String cordoned = record.cordonReason() == null || record.cordonReason().isEmpty() ? "cordoned" : record.cordonReason();
    return switch (state(record)) {
      case HOST_STATE_UNREACHABLE -> (record.info() == null ? "its worker has not registered"
          : "its worker stopped reporting" + (record.lastReportAt() == null ? "" : " (last report " + record.lastReportAt() + ")"))
          + (record.cordoned() ? "; " + cordoned : "");
      case HOST_STATE_DRAINING -> "draining: " + record.drain().handled().size() + " of " + record.drain().total() + " VMs handled";
      case HOST_STATE_CORDONED -> cordoned;
      default -> "takes new VMs";
    };
  }

  /**
   * The room its VMs hold (their reservations), or what its worker last saw run if that is more:
   * VMs created before placement existed run without a reservation, and a host shows them too.
   */
  private static HostUsage usage(HostRecord record) {
    int vcpus = record.reservations().values().stream().mapToInt(Reservation::vcpus).sum();
    long memory = record.reservations().values().stream().mapToLong(Reservation::memoryMib).sum();
    HostUsage.Builder usage = HostUsage.newBuilder().setVms(record.reservations().size()).setVcpusCommitted(vcpus)
        .setMemoryCommittedMib(memory);
    HostLoad load = record.load();
    if (load != null) {
      usage.setVcpusCommitted(Math.max(vcpus, load.vcpusCommitted())).setMemoryCommittedMib(Math.max(memory, load.memoryCommittedMib()))
          .setMemoryFreeMib(load.memoryFreeMib()).setQemuProcesses(load.vms());
    }
    return usage.build();
  }

  private static Drain drain(DrainProgress progress) {
    Drain.Builder drain = Drain.newBuilder().setDone(progress.done()).setTotal(progress.total()).addAllHandled(progress.handled())
        .addAllRemaining(progress.remaining());
    if (progress.startedAt() != null) {
      drain.setStartedAt(timestamp(progress.startedAt()));
    }
    if (progress.endedAt() != null) {
      drain.setEndedAt(timestamp(progress.endedAt()));
    }
    return drain.build();
  }

  private static String text(String value) {
    return value == null ? "" : value;
  }
}
