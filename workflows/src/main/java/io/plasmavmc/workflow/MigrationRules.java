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
 * asked by the update's validator and again under the VM's lock. In this version the hosts share
 * no storage PlasmaVMC knows of: a VM's own disks and seed live in its VM directory on its host,
 * which no other host sees, so only VMs without them migrate (disks given as files, by path, are
 * the operator's to put where both hosts see them, as the kernel and initrd are).
 */
final class MigrationRules {
  private MigrationRules() {}

  /** The refusal of {@code request} for {@code vm}, or null. */
  static ApplicationFailure refusal(VmRecord vm, MigrateRequest request) {
    List<String> own = ownStorage(vm.spec());
    if (!own.isEmpty()) {
      return unsupported("VM " + vm.name() + " has storage of its own on host " + vm.hostId() + " (" + String.join(", ", own)
          + "), which no other host sees: only VMs whose disks are files given by path (on storage both hosts see) migrate");
    }
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
  private static List<String> ownStorage(VmSpec spec) {
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
