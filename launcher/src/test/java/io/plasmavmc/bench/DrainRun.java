package io.plasmavmc.bench;

import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.DrainHostRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.host.testing.TestGuest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * A drain of host A with {@code vms} small running guests on it (not 64 MiB: the test guest's
 * kernel dies before its console with that little under TCG): booted on A a few at a time (TCG
 * boots take seconds of CPU each on a shared 2-core machine), each waited for until its guest is
 * ready; then DrainHost(A), followed by GetHost until the drain says it is done; then every VM
 * checked (on B, running, exactly one QEMU each, none left on A) and deleted.
 */
final class DrainRun {
  private static final Duration CREATE = Duration.ofMinutes(3);
  private static final Duration CALL = Duration.ofMinutes(1);
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * What the drain did: its own time (the host's drain record), the client's time until it saw it
   * done, the VMs' migrations (each VM's migrate operation), and what was wrong after it.
   */
  record Result(int vms, int memoryMib, int booted, double bootSeconds, double drainSeconds, double seenDoneSeconds, int migrated,
      List<MigrationFigures> migrations, List<String> problems) {}

  private DrainRun() {}

  static Result run(TwoHosts hosts, int count, int memoryMib, int bootsAtOnce) throws InterruptedException {
    // Ready within the call's deadline, so that a guest that does not boot fails its create, not the client's wait.
    VmSpec spec = VmSpec.newBuilder().setMemoryMib(memoryMib).setVcpus(1).setAccelerator(Accelerator.ACCELERATOR_TCG)
        .setKernel(TestGuest.kernel().toString()).setInitrd(TestGuest.graceful().toString()).setKernelCmdline(TestGuest.CMDLINE)
        .setNoNetwork(true).setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER)
            .setTimeoutSeconds((int) CREATE.toSeconds() - 10)).build();
    List<String> names = IntStream.range(0, count).mapToObj(i -> "drain-" + i).toList();
    List<String> problems = new ArrayList<>();
    try (Gateways gateways = new Gateways(List.of(hosts.address()), hosts.admin())) {
      Burst.Result booted = Burst.run(gateways, names, bootsAtOnce, (vms, name) -> boot(vms, name, spec));
      booted.failures().forEach(f -> problems.add(f.name() + " did not boot on " + TwoHosts.A + ": " + f.failure()));
      System.out.printf("bench-migration: %d of %d VMs booted on %s in %.1f s (%d at a time); QEMUs: %s %d, %s %d%n",
          booted.succeeded().size(), count, TwoHosts.A, booted.seconds(), bootsAtOnce, TwoHosts.A, hosts.qemus(TwoHosts.A).size(),
          TwoHosts.B, hosts.qemus(TwoHosts.B).size());
      List<String> drained = booted.succeeded();
      try {
        long began = System.nanoTime();
        hosts.hosts(CALL).drainHost(DrainHostRequest.newBuilder().setId(TwoHosts.A).build());
        Host host = awaitDrained(hosts, drained.size());
        double seen = (System.nanoTime() - began) / 1e9;
        double drainSeconds = seconds(host.getDrain().getStartedAt(), host.getDrain().getEndedAt());
        int migrated = (int) host.getDrain().getHandledList().stream().filter(h -> h.contains("migrated to host " + TwoHosts.B)).count();
        host.getDrain().getHandledList().stream().filter(h -> !h.contains("migrated to host " + TwoHosts.B))
            .forEach(h -> problems.add("drain: " + h));
        if (!host.getVmsList().isEmpty()) {
          problems.add(TwoHosts.A + " still holds room for " + host.getVmsList());
        }
        List<MigrationFigures> migrations = check(hosts, drained, problems);
        return new Result(count, memoryMib, drained.size(), booted.seconds(), drainSeconds, seen, migrated, migrations, problems);
      } finally {
        Burst.Result deleted = Burst.run(gateways, names, 8, DrainRun::delete);
        deleted.failures().stream().filter(f -> !f.failure().contains("NOT_FOUND"))
            .forEach(f -> System.out.println("bench-migration: " + f.name() + " not deleted: " + f.failure()));
      }
    }
  }

  private static Vm boot(VmServiceGrpc.VmServiceBlockingStub vms, String name, VmSpec spec) {
    Vm vm = vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(spec).setHostId(TwoHosts.A).setStart(true)
        .setWaitForReady(true).build());
    if (vm.getState() != VmState.VM_STATE_RUNNING || !vm.getGuestReady()) {
      throw new IllegalStateException(name + " is " + vm.getState() + ", guest ready " + vm.getGuestReady() + " (" + vm.getStateReason() + ")");
    }
    return vm;
  }

  private static Vm delete(VmServiceGrpc.VmServiceBlockingStub vms, String name) {
    return vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build()).getVm();
  }

  /** GetHost until the drain is done: bounded by what two lanes of migrations may take, a minute a VM at the least. */
  private static Host awaitDrained(TwoHosts hosts, int vms) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5 + vms).toNanos();
    int reported = -1;
    while (true) {
      Host host = hosts.hosts(CALL).getHost(GetHostRequest.newBuilder().setId(TwoHosts.A).build());
      if (host.hasDrain() && host.getDrain().getDone()) {
        return host;
      }
      int handled = host.getDrain().getHandledCount();
      if (handled != reported && handled % 5 == 0) {
        System.out.printf("bench-migration: drain of %s: %d of %d VMs handled%n", TwoHosts.A, handled, host.getDrain().getTotal());
        reported = handled;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the drain of " + TwoHosts.A + " was not done within " + (5 + vms) + " minutes: " + host.getDrain());
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Every VM on B, running, its QEMU one of B's and no other; none on A. Returns the VMs' migrations. */
  private static List<MigrationFigures> check(TwoHosts hosts, List<String> names, List<String> problems) {
    List<MigrationFigures> migrations = new ArrayList<>();
    Set<Long> pids = new HashSet<>();
    for (String name : names) {
      Vm vm = hosts.vms(CALL).getVm(GetVmRequest.newBuilder().setName(name).build());
      if (!vm.getHostId().equals(TwoHosts.B) || vm.getState() != VmState.VM_STATE_RUNNING) {
        problems.add(name + " is " + vm.getState() + " on " + vm.getHostId());
      }
      if (!pids.add(vm.getQemuPid())) {
        problems.add(name + "'s QEMU " + vm.getQemuPid() + " is another VM's too");
      }
      Optional<MigrationFigures> figures = MigrationFigures.lastOf(vm);
      figures.ifPresentOrElse(migrations::add, () -> problems.add(name + " has no completed migration recorded"));
    }
    List<Long> onA = hosts.qemus(TwoHosts.A);
    List<Long> onB = hosts.qemus(TwoHosts.B);
    if (!onA.isEmpty()) {
      problems.add(onA.size() + " QEMUs still run on " + TwoHosts.A + ": " + onA);
    }
    if (!new HashSet<>(onB).equals(pids) || onB.size() != names.size()) {
      problems.add(TwoHosts.B + " runs " + onB.size() + " QEMUs " + onB + " for " + names.size() + " VMs whose QEMUs are " + pids);
    }
    return migrations;
  }

  private static double seconds(com.google.protobuf.Timestamp from, com.google.protobuf.Timestamp to) {
    return (to.getSeconds() - from.getSeconds()) + (to.getNanos() - from.getNanos()) / 1e9;
  }
}
