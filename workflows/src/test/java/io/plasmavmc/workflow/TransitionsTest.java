package io.plasmavmc.workflow;

import static io.plasmavmc.workflow.Transitions.Decision.ILLEGAL;
import static io.plasmavmc.workflow.Transitions.Decision.NOTHING_TO_DO;
import static io.plasmavmc.workflow.Transitions.Decision.RUN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmState;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransitionsTest {
  @Test
  void theLifecycleTable() {
    assertEquals(RUN, Transitions.decide(VmOperation.START, VmState.CREATED));
    assertEquals(RUN, Transitions.decide(VmOperation.START, VmState.STOPPED));
    assertEquals(RUN, Transitions.decide(VmOperation.START, VmState.CRASHED));
    assertEquals(NOTHING_TO_DO, Transitions.decide(VmOperation.START, VmState.RUNNING));
    assertEquals(ILLEGAL, Transitions.decide(VmOperation.START, VmState.PAUSED));

    assertEquals(RUN, Transitions.decide(VmOperation.STOP, VmState.RUNNING));
    assertEquals(RUN, Transitions.decide(VmOperation.STOP, VmState.PAUSED));
    assertEquals(RUN, Transitions.decide(VmOperation.STOP, VmState.CRASHED));
    assertEquals(NOTHING_TO_DO, Transitions.decide(VmOperation.STOP, VmState.STOPPED));

    assertEquals(RUN, Transitions.decide(VmOperation.PAUSE, VmState.RUNNING));
    assertEquals(NOTHING_TO_DO, Transitions.decide(VmOperation.PAUSE, VmState.PAUSED));
    assertEquals(ILLEGAL, Transitions.decide(VmOperation.PAUSE, VmState.STOPPED));
    assertEquals(ILLEGAL, Transitions.decide(VmOperation.PAUSE, VmState.CREATED));

    assertEquals(RUN, Transitions.decide(VmOperation.RESUME, VmState.PAUSED));
    assertEquals(NOTHING_TO_DO, Transitions.decide(VmOperation.RESUME, VmState.RUNNING));
    assertEquals(ILLEGAL, Transitions.decide(VmOperation.RESUME, VmState.STOPPED));

    assertEquals(RUN, Transitions.decide(VmOperation.REBOOT, VmState.RUNNING));
    assertEquals(ILLEGAL, Transitions.decide(VmOperation.REBOOT, VmState.STOPPED));

    for (VmState state : VmState.values()) {
      boolean hasQemuToMove = state == VmState.RUNNING || state == VmState.PAUSED;
      assertEquals(hasQemuToMove ? RUN : ILLEGAL, Transitions.decide(VmOperation.MIGRATE, state), "migrate from " + state);
    }

    for (VmState state : VmState.values()) {
      if (state != VmState.DELETING && state != VmState.DELETED) {
        assertEquals(RUN, Transitions.decide(VmOperation.DELETE, state), state.name());
      }
      assertEquals(ILLEGAL, Transitions.decide(VmOperation.PAUSE, VmState.DELETED));
    }
    assertEquals(NOTHING_TO_DO, Transitions.decide(VmOperation.DELETE, VmState.DELETING));
  }

  @Test
  void busyStatesAcceptOnlyOperationsThatFollowThem() {
    assertTrue(Transitions.acceptable(VmOperation.STOP, VmState.STOPPING));
    assertTrue(Transitions.acceptable(VmOperation.START, VmState.STOPPING));
    assertTrue(Transitions.acceptable(VmOperation.DELETE, VmState.CREATING));
    assertFalse(Transitions.acceptable(VmOperation.PAUSE, VmState.STOPPING));
    assertFalse(Transitions.acceptable(VmOperation.REBOOT, VmState.CREATING));
  }

  @Test
  void messagesNameTheState() {
    assertEquals("VM web is STOPPED: cannot pause; only a RUNNING VM can be paused",
        Transitions.illegalMessage(VmOperation.PAUSE, VmState.STOPPED, "web"));
  }

  @Test
  void snapshotsAreTakenRestoredAndDeletedWhileQemuHoldsTheGuestOrOnceItIsGone() {
    Set<VmState> allowed = EnumSet.of(VmState.CREATED, VmState.RUNNING, VmState.PAUSED, VmState.STOPPED, VmState.CRASHED);
    for (VmOperation operation : List.of(VmOperation.SNAPSHOT, VmOperation.RESTORE_SNAPSHOT, VmOperation.DELETE_SNAPSHOT)) {
      for (VmState state : VmState.values()) {
        assertEquals(allowed.contains(state) ? RUN : ILLEGAL, Transitions.decide(operation, state), operation + " in " + state);
        assertEquals(allowed.contains(state), Transitions.acceptable(operation, state), operation + " in " + state);
      }
    }
    assertEquals("VM web is STOPPING: cannot restore a snapshot; the VM must be one of CREATED, RUNNING, PAUSED, STOPPED, CRASHED",
        Transitions.illegalMessage(VmOperation.RESTORE_SNAPSHOT, VmState.STOPPING, "web"));
  }
}
