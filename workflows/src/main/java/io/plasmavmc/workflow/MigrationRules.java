package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.GuestReadiness;
import io.plasmavmc.contract.MigrateRequest;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether a VM that may migrate by its state (see {@link Transitions}) can migrate as it is; pure,
 * asked by the update's validator and again under the VM's lock. Where a VM's own disks and seed
 * may go (only to a host declaring the storage its host shares, where its VM directory is) is the
 * fleet's to say as it reserves the target, for only the hosts' records tell it; disks given as
 * files, by path, are the operator's to put where both hosts see them, as the kernel and initrd are.
 */
final class MigrationRules {
  private MigrationRules() {}

  /** The refusal of {@code request} for {@code vm}, or null. */
  static ApplicationFailure refusal(VmRecord vm, MigrateRequest request) {
    if (request != null && request.targetNamed() && request.targetHostId().equals(vm.hostId())) {
      return unsupported("VM " + vm.name() + " is on host " + vm.hostId() + " already: name another host, or none for placement to choose");
    }
    if (vm.hostUnreachableSince() != null) {
      return ApplicationFailure.newNonRetryableFailure("VM " + vm.name() + "'s host " + vm.hostId() + " is unreachable: a migration "
          + "needs its QEMU there", FailureReasons.HOST_UNAVAILABLE, vm.hostId());
    }
    if (vm.readiness() != null && vm.readiness().status() == GuestReadiness.Status.WAITING) {
      return unsupported("VM " + vm.name() + "'s guest is booting (its readiness probe is awaited): migrate it once it is ready");
    }
    return null;
  }

  /** What of the spec lives in the VM's directory on its host, by field. */
  static List<String> ownStorage(VmSpec spec) {
    List<String> own = new ArrayList<>();
    for (int i = 0; i < spec.disks().size(); i++) {
      DiskSpec disk = spec.disks().get(i);
      if (disk.owned()) {
        own.add("spec.disks[" + i + "]: " + (disk.image() == null || disk.image().isBlank() ? "a blank disk" : "an overlay of image "
            + disk.image()));
      }
    }
    if (spec.cloudInit() != null) {
      own.add("spec.cloud_init: its seed");
    }
    return own;
  }

  private static ApplicationFailure unsupported(String message) {
    return ApplicationFailure.newNonRetryableFailure(message, FailureReasons.MIGRATION_UNSUPPORTED);
  }
}
