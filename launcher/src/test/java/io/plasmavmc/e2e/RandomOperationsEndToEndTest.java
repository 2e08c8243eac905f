package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.ResumeVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.api.v1.WatchVmRequest;
import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.workflow.Transitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Several VMs, each driven through the gateway by hundreds of operations in random order, each
 * issued the moment the one before returned (PauseVm right after StartVm included), while WatchVm
 * follows every VM. Every operation the last answer allowed must succeed (no spurious
 * FAILED_PRECONDITION), and WatchVm must show exactly the states the operations went through,
 * none that the VM never was in.
 */
class RandomOperationsEndToEndTest {
  private static final int VMS = 3;
  private static final int OPERATIONS = 70;
  private static final Set<VmState> TRANSIENT = Set.of(VmState.VM_STATE_CREATING, VmState.VM_STATE_STOPPING, VmState.VM_STATE_DELETING);

  @Test
  void randomOperationsNeverMeetASpuriousRefusalNorAStateThatWasNot() throws Exception {
    long seed = Long.getLong("plasmavmc.stressSeed", System.nanoTime());
    System.out.println("random operations: seed " + seed + " (-Dplasmavmc.stressSeed to repeat)");
    try (PlasmaVmcHarness plasma = new PlasmaVmcHarness(Duration.ofSeconds(5))) {
      List<CompletableFuture<String>> runs = new ArrayList<>();
      for (int i = 0; i < VMS; i++) {
        String name = "random-" + i;
        Random random = new Random(seed + i);
        runs.add(CompletableFuture.supplyAsync(() -> drive(plasma, name, random)));
      }
      for (CompletableFuture<String> run : runs) {
        System.out.println(run.get(10, TimeUnit.MINUTES));
      }
    }
  }

  /** Runs one VM's random operations; returns a line of what it did. */
  private static String drive(PlasmaVmcHarness plasma, String name, Random random) {
    VmServiceGrpc.VmServiceBlockingStub vms = plasma.vms.withDeadlineAfter(10, TimeUnit.MINUTES);
    VmSpec bare = VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).build();
    Vm vm = vms.createVm(CreateVmRequest.newBuilder().setName(name).setSpec(bare).setStart(random.nextBoolean()).build());
    List<VmState> answered = new ArrayList<>(List.of(vm.getState()));
    List<VmEvent> watched = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> watchStarted = new CompletableFuture<>();
    CompletableFuture<Void> watching = CompletableFuture.runAsync(() -> {
      Iterator<VmEvent> events = plasma.vms.withDeadlineAfter(10, TimeUnit.MINUTES).watchVm(WatchVmRequest.newBuilder().setName(name).build());
      while (events.hasNext()) {
        watched.add(events.next());
        watchStarted.complete(null);
      }
    });
    watchStarted.join(); // WatchVm's first event is the VM as it is now: every change after it is ours
    List<String> done = new ArrayList<>();
    for (int i = 0; i < OPERATIONS; i++) {
      List<VmOperation> legal = new ArrayList<>();
      for (VmOperation operation : List.of(VmOperation.START, VmOperation.STOP, VmOperation.PAUSE, VmOperation.RESUME, VmOperation.REBOOT)) {
        if (Transitions.decide(operation, host(vm.getState())) == Transitions.Decision.RUN) {
          legal.add(operation);
        }
      }
      VmOperation operation = legal.get(random.nextInt(legal.size()));
      try {
        vm = switch (operation) {
          case START -> vms.startVm(StartVmRequest.newBuilder().setName(name).build());
          case STOP -> vms.stopVm(StopVmRequest.newBuilder().setName(name).setForce(true).build());
          case PAUSE -> vms.pauseVm(PauseVmRequest.newBuilder().setName(name).build());
          case RESUME -> vms.resumeVm(ResumeVmRequest.newBuilder().setName(name).build());
          case REBOOT -> vms.rebootVm(RebootVmRequest.newBuilder().setName(name).build());
          default -> throw new IllegalStateException(operation.name());
        };
      } catch (StatusRuntimeException e) {
        throw new AssertionError(name + ": " + operation + " after " + done + " was refused: " + e.getStatus(), e);
      }
      done.add(operation.updateName());
      answered.add(vm.getState());
    }
    vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build());
    watching.join(); // the stream ends with the VM
    List<VmState> seen = new ArrayList<>();
    for (VmEvent event : watched) {
      VmState state = event.getState();
      if (!TRANSIENT.contains(state) && state != VmState.VM_STATE_DELETED && (seen.isEmpty() || seen.get(seen.size() - 1) != state)) {
        seen.add(state);
      }
    }
    List<VmState> expected = new ArrayList<>();
    for (VmState state : answered) {
      if (expected.isEmpty() || expected.get(expected.size() - 1) != state) {
        expected.add(state);
      }
    }
    assertEquals(expected, seen, name + ": WatchVm shows the states the operations went through, and no other; operations " + done);
    assertTrue(watched.get(watched.size() - 1).getState() == VmState.VM_STATE_DELETED);
    return name + ": " + done.size() + " operations, " + seen.size() + " states, all as answered";
  }

  private static io.plasmavmc.contract.VmState host(VmState state) {
    return io.plasmavmc.contract.VmState.valueOf(state.name().substring("VM_STATE_".length()));
  }
}
