package io.plasmavmc.cli;

import com.google.protobuf.Timestamp;
import io.plasmavmc.api.v1.Drain;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostCapacity;
import io.plasmavmc.api.v1.HostState;
import io.plasmavmc.api.v1.HostUsage;
import io.plasmavmc.api.v1.ListHostsResponse;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * How vmctl shows the fleet's hosts to a person (or as JSON). What a host admits is its size times
 * its ratios: vCPUs times the CPU allocation ratio, memory times the memory overcommit.
 */
final class HostPrinter {
  private static final String LIST_FORMAT = "%-16s %-11s %-8s %-9s %-21s %-10s %-11s %s%n";
  private static final long MIB = 1L << 20;

  private final PrintStream out;
  private final PrintStream err;
  private final boolean json;
  private String shownProgress = "";

  HostPrinter(PrintStream out, PrintStream err, boolean json) {
    this.out = out;
    this.err = err;
    this.json = json;
  }

  void table(ListHostsResponse list) {
    if (json) {
      out.println(Json.of(list));
      return;
    }
    out.printf(LIST_FORMAT, "ID", "STATE", "VMS", "VCPUS", "MEMORY", "FREE", "LAST REPORT", "LABELS");
    for (Host host : list.getHostsList()) {
      HostCapacity capacity = host.getCapacity();
      HostUsage usage = host.getUsage();
      out.printf(LIST_FORMAT, host.getId(), state(host.getState()), usage.getVms() + "/" + capacity.getMaxVms(),
          usage.getVcpusCommitted() + "/" + vcpuLimit(capacity), mib(usage.getMemoryCommittedMib()) + "/" + mib(memoryLimitMib(capacity)),
          mib(usage.getMemoryFreeMib()), host.hasLastReportAt() ? age(host.getLastReportAt()) : "never", labels(host.getLabelsMap()));
    }
  }

  void details(Host host) {
    if (json) {
      out.println(Json.of(host));
      return;
    }
    HostCapacity capacity = host.getCapacity();
    HostUsage usage = host.getUsage();
    out.printf("id:          %s%n", host.getId());
    out.printf("state:       %s (%s)%n", state(host.getState()), host.getStateReason());
    out.printf("address:     %s%n", host.getAddress());
    out.printf("capacity:    %d CPUs, %s; admits %d vCPUs (CPU allocation ratio %s), %s (memory overcommit %s), %d VMs%s%n",
        capacity.getVcpus(), mib(capacity.getMemoryMib()), vcpuLimit(capacity), ratio(capacity.getCpuAllocationRatio()),
        mib(memoryLimitMib(capacity)), ratio(capacity.getMemoryOvercommit()), capacity.getMaxVms(),
        capacity.getMaxConcurrentSpawns() == 0 ? "" : ", " + capacity.getMaxConcurrentSpawns() + " starting at once");
    out.printf("usage:       %d VMs, %d vCPUs, %s committed; %s free; %d QEMU processes%n", usage.getVms(), usage.getVcpusCommitted(),
        mib(usage.getMemoryCommittedMib()), mib(usage.getMemoryFreeMib()), usage.getQemuProcesses());
    out.printf("runs:        %s, QEMU %s%n", host.getAccelerator(), host.getQemuVersion());
    out.printf("labels:      %s%n", labels(host.getLabelsMap()));
    out.printf("worker:      started %s, last report %s%n", host.hasWorkerStartedAt() ? VmPrinter.instant(host.getWorkerStartedAt()) : "-",
        host.hasLastReportAt() ? VmPrinter.instant(host.getLastReportAt()) + " (" + age(host.getLastReportAt()) + ")" : "never");
    out.printf("vms:         %s%n", host.getVmsCount() == 0 ? "none" : String.join(", ", host.getVmsList()));
    if (host.hasDrain()) {
      Drain drain = host.getDrain();
      out.printf("drain:       %s, started %s%s%n", drainProgress(drain), VmPrinter.instant(drain.getStartedAt()),
          drain.hasEndedAt() ? ", ended " + VmPrinter.instant(drain.getEndedAt()) : "");
      drain.getHandledList().forEach(handled -> out.printf("  %s%n", handled));
    }
  }

  /** A drain's progress line on stderr, when it differs from the last one. */
  void progress(Host host) {
    String line = "  " + (host.hasDrain() ? drainProgress(host.getDrain()) : state(host.getState()));
    if (!json && !line.equals(shownProgress)) {
      err.println(line);
      shownProgress = line;
    }
  }

  private static String drainProgress(Drain drain) {
    return (drain.getDone() ? "done" : "draining") + ": " + drain.getHandledCount() + " of " + drain.getTotal() + " VMs handled"
        + (drain.getRemainingCount() == 0 ? "" : ", left: " + String.join(", ", drain.getRemainingList()));
  }

  private static long vcpuLimit(HostCapacity capacity) {
    return (long) Math.floor(capacity.getVcpus() * capacity.getCpuAllocationRatio());
  }

  private static long memoryLimitMib(HostCapacity capacity) {
    return (long) (capacity.getMemoryMib() * capacity.getMemoryOvercommit());
  }

  private static String mib(long mib) {
    return Sizes.of(mib * MIB).replace(" ", "");
  }

  private static String ratio(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  static String state(HostState state) {
    return state.name().replace("HOST_STATE_", "");
  }

  private static String labels(Map<String, String> labels) {
    return labels.isEmpty() ? "-" : new TreeMap<>(labels).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  /** How long ago, as a person reads it: 4s ago, 3m ago, 2h ago. */
  private static String age(Timestamp at) {
    long seconds = Math.max(0, Duration.between(Instant.ofEpochSecond(at.getSeconds(), at.getNanos()), Instant.now()).toSeconds());
    return seconds < 120 ? seconds + "s ago" : seconds < 7200 ? seconds / 60 + "m ago" : seconds / 3600 + "h ago";
  }
}
