package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * `plasmavmc up --temporal in-memory`, the fallback where no Temporal CLI can be had: the lifecycle
 * works, and ListVms (the in-memory server has no visibility store) reads the registry workflow.
 */
class InMemoryFallbackEndToEndTest {
  @Test
  void theFallbackServerRunsTheLifecycleAndListsVms() throws Exception {
    try (PlasmaVmcHarness plasma = PlasmaVmcHarness.inMemory(Duration.ofSeconds(3))) {
      assertFalse(plasma.stack.temporal().keepsHistory());
      VmSpec bare = VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).build();
      Vm running = plasma.vms.createVm(CreateVmRequest.newBuilder().setName("mem-a").setSpec(bare).setStart(true).build());
      assertEquals(VmState.VM_STATE_RUNNING, running.getState());
      plasma.vms.createVm(CreateVmRequest.newBuilder().setName("mem-b").setSpec(bare).build());
      assertEquals(List.of("mem-a", "mem-b"), names(plasma, ListVmsRequest.getDefaultInstance()));
      assertEquals(List.of("mem-b"), names(plasma, ListVmsRequest.newBuilder().setState(VmState.VM_STATE_CREATED).build()));
      assertEquals(VmState.VM_STATE_STOPPED,
          plasma.vms.stopVm(StopVmRequest.newBuilder().setName("mem-a").setForce(true).build()).getState());
      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("mem-a").build());
      assertEquals(List.of("mem-b"), names(plasma, ListVmsRequest.getDefaultInstance()));
      plasma.vms.deleteVm(DeleteVmRequest.newBuilder().setName("mem-b").build());
      assertTrue(names(plasma, ListVmsRequest.getDefaultInstance()).isEmpty());
    }
  }

  private static List<String> names(PlasmaVmcHarness plasma, ListVmsRequest request) {
    return plasma.vms.listVms(request).getVmsList().stream().map(Vm::getName).toList();
  }
}
