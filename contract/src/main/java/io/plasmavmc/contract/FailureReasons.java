package io.plasmavmc.contract;

/**
 * Why something failed, as the stable strings that travel as a Temporal failure's type across a
 * room's wall. Nobody matches another room's exception class names: a host activity fails with one
 * of the host reasons, a VM's workflow answers with one of the VM reasons, and the gateway maps
 * those to gRPC status codes. The strings are written into histories: never change one.
 */
public final class FailureReasons {
  // --- what a VM's workflow answers with (the gateway maps each to a gRPC code) -------------

  /** The operation is not allowed in the VM's state. FAILED_PRECONDITION. */
  public static final String ILLEGAL_TRANSITION = "IllegalTransition";
  /** The spec (or an identifier) is refused; the message names the field. INVALID_ARGUMENT. */
  public static final String INVALID_SPEC = "InvalidSpec";
  /**
   * The VM's host is unreachable: its worker stopped reporting to the fleet, and did not pick up
   * the work. (Before the busy-host-waits gate, a host that did not pick up its work in time.)
   * UNAVAILABLE.
   */
  public static final String HOST_UNAVAILABLE = "HostUnavailable";
  /**
   * The VM's host reports, so it is alive, but it did not take the work before the operation's
   * deadline (its queue, or its spawn slots, full): nothing was done, retry later.
   * RESOURCE_EXHAUSTED. A host activity fails with it too, when it waited for a spawn slot in vain.
   */
  public static final String HOST_BUSY = "HostBusy";
  /** The host failed the work for a reason of its own. INTERNAL, with an error id. */
  public static final String HOST_ERROR = "HostError";
  /** QEMU's monitor did not answer in time (a hung QEMU). DEADLINE_EXCEEDED. */
  public static final String HOST_TIMEOUT = "HostTimeout";
  /** The host has no room under its limits (VMs, memory). RESOURCE_EXHAUSTED. */
  public static final String HOST_FULL = "HostFull";
  /** Another request created a VM of that name. ALREADY_EXISTS. */
  public static final String NAME_TAKEN = "NameTaken";
  /** The guest did not pass its readiness probe in time. DEADLINE_EXCEEDED. */
  public static final String GUEST_NOT_READY = "GuestNotReady";
  /** The VM was deleted; its workflow is only finishing. NOT_FOUND. */
  public static final String DELETED = "VmDeleted";
  /** No workflow of that VM exists (it was deleted or never created). NOT_FOUND. */
  public static final String NOT_FOUND = "VmNotFound";
  /** No image of that name in the host's image store. NOT_FOUND. */
  public static final String IMAGE_NOT_FOUND = "ImageNotFound";
  /** An image of that name exists already. ALREADY_EXISTS. */
  public static final String IMAGE_EXISTS = "ImageExists";
  /** The image backs a VM's disk: it stays while the VM does. FAILED_PRECONDITION. */
  public static final String IMAGE_IN_USE = "ImageInUse";
  /** The VM has no snapshot of that name. NOT_FOUND. */
  public static final String SNAPSHOT_NOT_FOUND = "SnapshotNotFound";
  /** The VM has a snapshot of that name already. ALREADY_EXISTS. */
  public static final String SNAPSHOT_EXISTS = "SnapshotExists";
  /**
   * The VM cannot be snapshotted as it is: no qcow2 disk of its own, a writable disk that is not
   * qcow2, or a disk-only snapshot to load into a running VM. FAILED_PRECONDITION.
   */
  public static final String SNAPSHOT_UNSUPPORTED = "SnapshotUnsupported";
  /** The host takes no new VMs (cordoned, or draining). FAILED_PRECONDITION. */
  public static final String HOST_CORDONED = "HostCordoned";
  /** No host of that id has registered. NOT_FOUND. */
  public static final String HOST_NOT_FOUND = "HostNotFound";
  /** No host has room for the VM (or matches its labels); the message names the tightest resource. RESOURCE_EXHAUSTED. */
  public static final String NO_HOST_FITS = "NoHostFits";
  /** The VM has as many snapshots as a VM may have ({@code SnapshotRequest.MAX_SNAPSHOTS}). RESOURCE_EXHAUSTED. */
  public static final String SNAPSHOT_LIMIT = "SnapshotLimit";
  /**
   * The host keeps no console of that lifecycle test attempt: the attempt ran before consoles were
   * kept, or its run is older than the newest runs the host keeps. NOT_FOUND.
   */
  public static final String CONSOLE_NOT_KEPT = "ConsoleNotKept";

  /**
   * The VM cannot migrate as it is: a disk or seed of its own that the target host cannot see, the
   * source named as the target, a guest whose readiness is still awaited, a target that cannot run
   * the VM's spec or already runs a QEMU of the VM. FAILED_PRECONDITION.
   */
  public static final String MIGRATION_UNSUPPORTED = "MigrationUnsupported";
  /**
   * The migration failed (or was cancelled) and was undone: its target's QEMU ended, its room given
   * back, the VM on its source host as before. Also a host's: QEMU's transfer failed or did not
   * complete in time. ABORTED.
   */
  public static final String MIGRATION_FAILED = "MigrationFailed";

  // --- what a host activity fails with (never retried) --------------------------------------

  /** QEMU could not be started with this spec on this host (it refused an option or a file). */
  public static final String SPAWN_FAILED = "SpawnFailed";
  /** The VM has no running QEMU on the host. */
  public static final String VM_NOT_RUNNING = "VmNotRunning";
  /** The VM's QEMU still runs, so its runtime directory stays. */
  public static final String VM_STILL_RUNNING = "VmStillRunning";
  /** QEMU's monitor did not answer within its timeout. */
  public static final String QMP_TIMEOUT = "QmpTimeout";
  /** QEMU's monitor refused a command. */
  public static final String QMP_ERROR = "QmpError";

  /** Host failures that a retry cannot cure ({@link #INVALID_SPEC} and {@link #HOST_FULL} among them). */
  public static final String[] HOST_NEVER_RETRIED = {INVALID_SPEC, SPAWN_FAILED, HOST_FULL, HOST_BUSY, VM_NOT_RUNNING, VM_STILL_RUNNING,
      QMP_TIMEOUT, QMP_ERROR, IMAGE_NOT_FOUND, IMAGE_EXISTS, IMAGE_IN_USE, SNAPSHOT_NOT_FOUND, SNAPSHOT_EXISTS, SNAPSHOT_UNSUPPORTED,
      CONSOLE_NOT_KEPT, MIGRATION_UNSUPPORTED, MIGRATION_FAILED};

  private FailureReasons() {}
}
