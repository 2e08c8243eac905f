package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.fleet.HostAdmission;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's own admission of vCPUs (its cores times the CPU allocation ratio, counted with the spawns under way), and its memory as read. */
class HostCapacityTest {
  private static VmSpec vm(int vcpus) {
    return VmSpec.of("vm").withResources(vcpus, 64);
  }

  private static HostLimits ratio(double cpuAllocationRatio) {
    return new HostLimits(List.of("127.0.0.1"), 1024, 65535, 100, 1.5, cpuAllocationRatio);
  }

  @Test
  void vcpusAreAdmittedUpToTheCoresTimesTheRatioAndRefusedPastItNamingVcpus() {
    HostCapacity host = new HostCapacity(ratio(2.0), 8192, 4); // 8 vCPUs
    host.reserve("a", vm(4), List.of());
    Runnable b = host.reserve("b", vm(3), List.of());
    HostFullException full = assertThrows(HostFullException.class, () -> host.reserve("c", vm(2), List.of()));
    assertEquals("this host's VMs would have 9 vCPUs of its limit of 8 vCPUs (its 4 CPUs times the CPU allocation ratio of 2.0)",
        full.getMessage());
    host.reserve("d", vm(1), List.of());
    b.run();
    host.reserve("c", vm(2), List.of()); // b's room was given back
  }

  @Test
  void aVmLargerThanTheHostCouldEverRunIsAnInvalidSpec() {
    HostCapacity host = new HostCapacity(ratio(1.5), 8192, 2); // 3 vCPUs
    InvalidSpecException tooMany = assertThrows(InvalidSpecException.class, () -> host.checkSpec(vm(4)));
    assertEquals("spec.vcpus", tooMany.field());
    assertTrue(tooMany.getMessage().contains("at most 3"), tooMany.getMessage());
    host.checkSpec(vm(3));
  }

  @Test
  void theDefaultRatioIsTheFleetsAndTheLimitsRegisterAsTheHostsAdmission() {
    HostLimits defaults = HostLimits.defaults();
    assertEquals(HostAdmission.DEFAULT_CPU_ALLOCATION_RATIO, defaults.cpuAllocationRatio());
    assertEquals(new HostAdmission(1000, 1.5, HostAdmission.DEFAULT_CPU_ALLOCATION_RATIO,
        Math.max(2, Runtime.getRuntime().availableProcessors())), defaults.admission());
    assertThrows(IllegalArgumentException.class, () -> ratio(0));
    assertThrows(IllegalArgumentException.class, () -> defaults.withMaxConcurrentSpawns(0));
  }

  @Test
  void meminfoIsReadInMib(@TempDir Path dir) throws IOException {
    Path meminfo = Files.writeString(dir.resolve("meminfo"),
        "MemTotal:        8039160 kB\nMemFree:          512000 kB\nMemAvailable:    4096000 kB\n");
    assertEquals(7850, HostMemory.field(meminfo, "MemTotal"));
    assertEquals(4000, HostMemory.field(meminfo, "MemAvailable"));
    assertEquals(0, HostMemory.field(meminfo, "Nonsense"));
    assertEquals(0, HostMemory.field(dir.resolve("missing"), "MemTotal"));
  }
}
