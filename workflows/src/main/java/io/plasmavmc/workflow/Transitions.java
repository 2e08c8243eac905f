package io.plasmavmc.workflow;

import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmState;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The VM state machine: for an operation and the VM's current state, whether the operation runs,
 * has nothing to do (the VM is already where the operation would take it, so a retried call is
 * harmless), or is illegal. Update validators use it before anything is written to history, and
 * the handler uses it again once it holds the VM's lock, since a queued operation may find the VM
 * changed by the one before it.
 */
public final class Transitions {
  public enum Decision {
    RUN,
    NOTHING_TO_DO,
    ILLEGAL
  }

  private static final Set<VmState> GONE = EnumSet.of(VmState.DELETING, VmState.DELETED);
  /** Transient states: another operation holds the VM; what follows depends on how it ends. */
  private static final Set<VmState> BUSY = EnumSet.of(VmState.CREATING, VmState.STOPPING);
  /**
   * Where a snapshot is taken, restored or deleted: while QEMU holds the guest (its RAM goes
   * along) or once it is gone (the disks alone), a crashed VM's too, to look at or to return to a
   * good snapshot. Not while another operation moves the VM (CREATING, STOPPING), and not FAILED,
   * whose disks may never have been made. None of the three is ever "nothing to do": each names a
   * snapshot, and whether that one exists decides (see SnapshotRules).
   */
  private static final Set<VmState> SNAPSHOTTABLE = EnumSet.of(VmState.CREATED, VmState.RUNNING, VmState.PAUSED, VmState.STOPPED,
      VmState.CRASHED);

  private Transitions() {}

  public static Decision decide(VmOperation operation, VmState state) {
    if (GONE.contains(state)) {
      return operation == VmOperation.DELETE ? Decision.NOTHING_TO_DO : Decision.ILLEGAL;
    }
    return switch (operation) {
      case CREATE -> Decision.NOTHING_TO_DO;
      case START -> switch (state) {
        case RUNNING -> Decision.NOTHING_TO_DO;
        case PAUSED -> Decision.ILLEGAL;
        default -> Decision.RUN;
      };
      case STOP -> state == VmState.STOPPED ? Decision.NOTHING_TO_DO : Decision.RUN;
      case PAUSE -> state == VmState.PAUSED ? Decision.NOTHING_TO_DO : state == VmState.RUNNING ? Decision.RUN : Decision.ILLEGAL;
      case RESUME -> state == VmState.RUNNING ? Decision.NOTHING_TO_DO : state == VmState.PAUSED ? Decision.RUN : Decision.ILLEGAL;
      case REBOOT -> state == VmState.RUNNING || state == VmState.PAUSED ? Decision.RUN : Decision.ILLEGAL;
      case DELETE -> Decision.RUN;
      case SNAPSHOT, RESTORE_SNAPSHOT, DELETE_SNAPSHOT -> SNAPSHOTTABLE.contains(state) ? Decision.RUN : Decision.ILLEGAL;
      // Never "nothing to do": each names where to go (or asks placement), and the VM moves.
      case MIGRATE -> state == VmState.RUNNING || state == VmState.PAUSED ? Decision.RUN : Decision.ILLEGAL;
    };
  }

  /** True if the operation may be accepted now; a transient state accepts start, stop and delete, which run after it. */
  public static boolean acceptable(VmOperation operation, VmState state) {
    if (BUSY.contains(state) && EnumSet.of(VmOperation.START, VmOperation.STOP, VmOperation.DELETE).contains(operation)) {
      return true;
    }
    return decide(operation, state) != Decision.ILLEGAL;
  }

  public static String illegalMessage(VmOperation operation, VmState state, String vmName) {
    String hint = switch (operation) {
      case START -> state == VmState.PAUSED ? "; use ResumeVm" : "";
      case PAUSE -> "; only a RUNNING VM can be paused";
      case RESUME -> "; only a PAUSED VM can be resumed";
      case REBOOT -> "; only a RUNNING or PAUSED VM can be rebooted";
      case MIGRATE -> "; only a RUNNING or PAUSED VM migrates (a stopped one has no QEMU to move)";
      case SNAPSHOT, RESTORE_SNAPSHOT, DELETE_SNAPSHOT ->
          "; the VM must be one of " + SNAPSHOTTABLE.stream().map(Enum::name).collect(Collectors.joining(", "));
      default -> "";
    };
    return "VM " + vmName + " is " + state + ": cannot " + verb(operation) + hint;
  }

  private static String verb(VmOperation operation) {
    return switch (operation) {
      case SNAPSHOT -> "take a snapshot";
      case RESTORE_SNAPSHOT -> "restore a snapshot";
      case DELETE_SNAPSHOT -> "delete a snapshot";
      default -> operation.updateName();
    };
  }
}
