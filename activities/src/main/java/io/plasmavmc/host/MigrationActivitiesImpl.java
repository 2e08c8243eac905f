package io.plasmavmc.host;

import io.plasmavmc.contract.host.MigrationActivities;
import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.host.MigrationResult;
import io.plasmavmc.contract.host.TargetAbort;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.vm.HostedVm;
import io.plasmavmc.host.vm.HostedVms;
import io.plasmavmc.host.vm.IncomingVm;
import io.plasmavmc.host.vm.OutgoingVm;
import io.plasmavmc.host.vmm.LaunchPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MigrationActivities} on one host, through the same VM handles as the host's other
 * activities (they share each VM's lock and QMP connection): the target's steps through
 * {@link IncomingVm}, the source's through {@link OutgoingVm}, the transfer followed by
 * {@link MigrationTransfer}. The target's QEMU is admitted under the host's limits as a spawn is.
 */
public final class MigrationActivitiesImpl implements MigrationActivities {
  private static final Logger log = LoggerFactory.getLogger(MigrationActivitiesImpl.class);

  private final HostConfig config;
  private final HostedVms vms;
  private final HostCapacity capacity;
  /** The storage this host shares with others (its image store and VMs' directory), by name; null: none. */
  private final String sharedStorage;

  MigrationActivitiesImpl(HostConfig config, HostedVms vms, HostCapacity capacity) {
    this(config, vms, capacity, null);
  }

  private MigrationActivitiesImpl(HostConfig config, HostedVms vms, HostCapacity capacity, String sharedStorage) {
    this.config = config;
    this.vms = vms;
    this.capacity = capacity;
    this.sharedStorage = sharedStorage;
  }

  /**
   * The same host declaring that it shares its storage with the hosts labelled alike
   * ({@code Labels.SHARED_STORAGE}): VMs with disks of their own may migrate to it.
   */
  public MigrationActivitiesImpl sharingStorage(String name) {
    return new MigrationActivitiesImpl(config, vms, capacity, name == null || name.isBlank() ? null : name);
  }

  @Override
  public VmHandle prepareIncoming(String vmId, VmSpec spec, String migrationId) {
    if (spec.hasOwnStorage() && sharedStorage == null) {
      // The VM's own disks and seed are in its VM directory on the source host, which this one does not see.
      throw HostRefusedException.migrationUnsupported("VM " + vmId + " has disks or a cloud-init seed of its own on its host, and this "
          + "host shares no storage: only VMs whose disks are files both hosts see migrate");
    }
    HostedVm vm = vms.get(vmId);
    LaunchPlan plan = vm.planIncoming(spec);
    if (!plan.disks().madeAlready()) {
      // Never made again here: a blank overlay under a guest that wrote its disk on the source would lose what it wrote.
      throw HostRefusedException.migrationUnsupported("VM " + vmId + "'s own disks are not in this host's VMs' directory ("
          + plan.disks().directory() + "), though it declares shared storage " + sharedStorage + ": it does not see the source's");
    }
    capacity.checkSpec(spec);
    VmHandle handle = new IncomingVm(vm).spawn(plan, () -> capacity.reserve(vmId, spec, vms.running()), migrationId,
        config.killStepTimeout());
    log.info("VM {}: QEMU pid {} waits for migration {}{}", vmId, handle.pid(), migrationId, handle.reattached() ? " (found again)" : "");
    return handle;
  }

  @Override
  public String startIncoming(String vmId, String migrationId, String address) {
    return new IncomingVm(vms.get(vmId)).listen(migrationId, address);
  }

  @Override
  public MigrationResult migrate(String vmId, String migrationId, String uri, MigrationLimits limits) {
    return new MigrationTransfer(new OutgoingVm(vms.get(vmId)), vmId, migrationId).run(uri, limits);
  }

  @Override
  public VmStatus finishTarget(String vmId, String migrationId, byte[] console, boolean run) {
    return new IncomingVm(vms.get(vmId)).finish(migrationId, console, run);
  }

  @Override
  public void endSource(String vmId, String migrationId) {
    HostedVm vm = vms.get(vmId);
    new OutgoingVm(vm).end(migrationId, config.killStepTimeout());
    vms.forget(vm);
  }

  @Override
  public TargetAbort abortTarget(String vmId, String migrationId) {
    HostedVm vm = vms.get(vmId);
    TargetAbort outcome = new IncomingVm(vm).abort(migrationId, config.killStepTimeout());
    if (outcome == TargetAbort.ABORTED) {
      vms.forget(vm);
    }
    return outcome;
  }

  @Override
  public VmStatus resumeSource(String vmId, String migrationId, boolean run) {
    return new OutgoingVm(vms.get(vmId)).resume(migrationId, run);
  }
}
