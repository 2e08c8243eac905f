package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.Snapshot;
import io.plasmavmc.contract.SnapshotRequest;
import io.plasmavmc.contract.VmOperation;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Whether a snapshot operation can run on the VM as its workflow knows it: a valid name, a
 * snapshot that exists (or, to take one, does not yet), disks that can hold one, and no disk-only
 * snapshot loaded under a running QEMU. Update validators ask before anything is written; the
 * operation asks again once it holds the VM's lock, since the operation before it may have
 * changed the answer. The host checks the same on its side: this only answers sooner.
 */
final class SnapshotRules {
  /** The rule of a VM's and an image's name: safe as a qcow2 snapshot's name and inside a QEMU job's id. */
  private static final Pattern NAME = VmSpec.IMAGE_NAME;

  private SnapshotRules() {}

  /** Why {@code operation} cannot run for {@code request} on {@code vm}, or null if it can. */
  static ApplicationFailure refusal(VmOperation operation, VmRecord vm, SnapshotRequest request) {
    String name = request == null ? null : request.name();
    if (name == null || !NAME.matcher(name).matches()) {
      return ApplicationFailure.newNonRetryableFailure("snapshot: must be a snapshot's name: 1-63 characters of letters, digits, '.', '_' "
          + "or '-', beginning with a letter or digit", FailureReasons.INVALID_SPEC);
    }
    Snapshot existing = find(vm.snapshots(), name);
    if (operation == VmOperation.SNAPSHOT) {
      return existing != null
          ? ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " has a snapshot " + name + " already (taken "
              + existing.createdAt() + "); delete it first or choose another name", FailureReasons.SNAPSHOT_EXISTS)
          : cannotTake(vm);
    }
    if (existing == null) {
      return ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " has no snapshot " + name, FailureReasons.SNAPSHOT_NOT_FOUND);
    }
    if (operation == VmOperation.RESTORE_SNAPSHOT && !existing.withMemory() && vm.pid() != 0) {
      return ApplicationFailure.newNonRetryableFailure("snapshot " + name + " of VM " + vm.name() + " holds its disks alone (taken while "
          + "QEMU did not run): stop the VM to return its disks to it", FailureReasons.SNAPSHOT_UNSUPPORTED);
    }
    return null;
  }

  static Snapshot find(List<Snapshot> snapshots, String name) {
    return snapshots.stream().filter(snapshot -> snapshot.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * A snapshot lives in the VM's own qcow2 disks (overlays of an image, blank disks), and every
   * disk the guest writes must hold it too, which a raw file cannot.
   */
  private static ApplicationFailure cannotTake(VmRecord vm) {
    if (vm.snapshots().size() >= SnapshotRequest.MAX_SNAPSHOTS) {
      return ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " has " + vm.snapshots().size() + " snapshots, the most it may "
          + "have (" + SnapshotRequest.MAX_SNAPSHOTS + "): delete one first", FailureReasons.SNAPSHOT_LIMIT);
    }
    List<DiskSpec> disks = vm.spec().disks();
    if (disks.stream().noneMatch(DiskSpec::owned)) {
      return ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " has no disk of its own to hold a snapshot: give its spec a "
          + "disk made from an image or a blank one (size_gib)", FailureReasons.SNAPSHOT_UNSUPPORTED);
    }
    for (int i = 0; i < disks.size(); i++) {
      DiskSpec disk = disks.get(i);
      if (!disk.owned() && !disk.readOnly() && disk.format() == DiskFormat.RAW) {
        return ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + " writes spec.disks[" + i + "], a raw file, which cannot hold "
            + "a snapshot: make it read-only or qcow2", FailureReasons.SNAPSHOT_UNSUPPORTED);
      }
    }
    return null;
  }
}
