package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.fleet.FleetActivities;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.plasmavmc.contract.fleet.Labels;
import io.plasmavmc.contract.fleet.MigrationPlacement;
import io.plasmavmc.contract.fleet.MigrationTarget;
import io.plasmavmc.contract.fleet.PlacementDecision;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.fleet.ReserveRequest;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.workflow.HostRoom.Resource;
import io.temporal.activity.Activity;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * {@link FleetActivities} through the Temporal client: placement lists the hosts
 * ({@link HostDirectory}), ranks them ({@link PlacementRanking}) and reserves the VM's room on the
 * best by an Update to its host workflow, which alone decides (so two placements never overbook a
 * host: the second is refused and tries the next host). Each reservation's update id is made of
 * the VM's workflow run and the VM's id: a retried activity joins the reservation its first
 * attempt sent, and a VM created again under the same name reserves anew.
 */
public final class FleetActivitiesImpl implements FleetActivities {
  /** A host's refusals: placement tries the next host. */
  private static final Set<String> REFUSALS = Set.of(FailureReasons.HOST_FULL, FailureReasons.HOST_CORDONED,
      FailureReasons.HOST_UNAVAILABLE, FailureReasons.HOST_NOT_FOUND);

  private final WorkflowClient client;
  private final HostDirectory directory;

  public FleetActivitiesImpl(WorkflowClient client) {
    this.client = client;
    this.directory = new HostDirectory(client);
  }

  @Override
  public PlacementDecision place(String vmId, VmSpec spec, PlacementRequest request) {
    PlacementRequest asked = request == null ? PlacementRequest.on(null) : request;
    ReserveRequest reserve = new ReserveRequest(vmId, spec.vcpus(), spec.memoryMib());
    if (named(asked.hostId())) {
      HostRoom after = HostRoom.of(reserve(asked.hostId(), reserve));
      return new PlacementDecision(asked.hostId(), "host " + asked.hostId() + " named by the request: "
          + after.free(Resource.MEMORY) + " MiB of memory left after the VM (" + after.figures() + ")");
    }
    List<HostRecord> hosts = directory.hosts();
    for (HostRecord host : hosts) {
      if (host.reservations().containsKey(vmId)) {
        return new PlacementDecision(host.hostId(), "host " + host.hostId() + ", where an earlier attempt of this placement reserved the VM's room ("
            + HostRoom.of(host).figures() + ")");
      }
    }
    PlacementRanking ranking = PlacementRanking.rank(hosts, spec.vcpus(), spec.memoryMib(), asked);
    List<String> refusals = new ArrayList<>();
    for (String hostId : ranking.candidates()) {
      try {
        HostRoom after = HostRoom.of(reserve(hostId, reserve));
        return new PlacementDecision(hostId, ranking.chosen(hostId, after, refusals));
      } catch (ApplicationFailure refused) {
        if (!REFUSALS.contains(refused.getType())) {
          throw refused;
        }
        refusals.add(refused.getOriginalMessage()); // another placement took the room since the hosts were read
      }
    }
    throw ApplicationFailure.newNonRetryableFailure(ranking.noFit(refusals), FailureReasons.NO_HOST_FITS);
  }

  @Override
  public MigrationTarget reserveTarget(String vmId, VmSpec spec, MigrationPlacement request) {
    ReserveRequest reserve = new ReserveRequest(vmId, spec.vcpus(), spec.memoryMib());
    String what = request.migrationId() + "/reserve/" + vmId;
    String source = request.sourceHostId();
    PlacementRequest constraints = request.constraints();
    // Every host's workflow is asked for its record: once, and only where the records are needed.
    List<HostRecord> hosts = spec.hasOwnStorage() || request.targetHostId() == null ? directory.hosts() : List.of();
    String storage = spec.hasOwnStorage() ? sharedStorageFor(vmId, spec, source, hosts) : null;
    if (storage != null) {
      // Only a host that sees the VM's directory can open its disks: one declaring the same storage.
      Map<String, String> labels = new HashMap<>(constraints.labels());
      labels.put(Labels.SHARED_STORAGE, storage);
      constraints = new PlacementRequest(constraints.hostId(), constraints.policy(), labels);
    }
    if (request.targetHostId() != null) {
      String target = request.targetHostId();
      if (target.equals(source)) {
        throw ApplicationFailure.newNonRetryableFailure("VM " + vmId + " is on host " + source + " already: name another host",
            FailureReasons.MIGRATION_UNSUPPORTED, target);
      }
      if (storage != null && !storage.equals(labelOf(hosts, target, Labels.SHARED_STORAGE))) {
        throw ApplicationFailure.newNonRetryableFailure("VM " + vmId + " has storage of its own (" + String.join(", ",
            MigrationRules.ownStorage(spec)) + ") on host " + source + "'s shared storage " + storage + ", which host " + target
            + " does not declare (label " + Labels.SHARED_STORAGE + "=" + storage + "): it cannot open the VM's disks",
            FailureReasons.MIGRATION_UNSUPPORTED, target);
      }
      HostRecord host = reserve(target, reserve, what);
      HostRoom after = HostRoom.of(host);
      return target(vmId, host, request, "host " + target + " named by the request: " + after.free(Resource.MEMORY)
          + " MiB of memory left after the VM (" + after.figures() + ")");
    }
    List<HostRecord> others = hosts.stream().filter(host -> !host.hostId().equals(source)).toList();
    if (others.isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("no host other than " + source + " has registered: a migration needs another",
          FailureReasons.NO_HOST_FITS);
    }
    PlacementRanking ranking = PlacementRanking.rank(others, spec.vcpus(), spec.memoryMib(), constraints);
    List<String> refusals = new ArrayList<>();
    for (String hostId : ranking.candidates()) {
      try {
        HostRecord host = reserve(hostId, reserve, what);
        return target(vmId, host, request, ranking.chosen(hostId, HostRoom.of(host), refusals));
      } catch (ApplicationFailure refused) {
        if (!REFUSALS.contains(refused.getType())) {
          throw refused;
        }
        refusals.add(refused.getOriginalMessage());
      }
    }
    throw ApplicationFailure.newNonRetryableFailure("no host other than the VM's own (" + source + ") fits: " + ranking.noFit(refusals),
        FailureReasons.NO_HOST_FITS);
  }

  /**
   * The storage host {@code source} shares, where VM {@code vmId}'s own disks are; refused
   * (MIGRATION_UNSUPPORTED, naming them) if it shares none: no other host sees them.
   */
  private static String sharedStorageFor(String vmId, VmSpec spec, String source, List<HostRecord> hosts) {
    String storage = labelOf(hosts, source, Labels.SHARED_STORAGE);
    if (storage == null || storage.isBlank()) {
      throw ApplicationFailure.newNonRetryableFailure("VM " + vmId + " has storage of its own on host " + source + " ("
          + String.join(", ", MigrationRules.ownStorage(spec)) + "), which no other host sees: host " + source + " declares no shared "
          + "storage (label " + Labels.SHARED_STORAGE + "=NAME on hosts that see the same image store and VMs' directory); only VMs "
          + "whose disks are files given by path migrate from it", FailureReasons.MIGRATION_UNSUPPORTED, source);
    }
    return storage;
  }

  /** Label {@code key} of host {@code hostId} among {@code hosts}, as its worker registered it, or null. */
  private static String labelOf(List<HostRecord> hosts, String hostId, String key) {
    return hosts.stream().filter(host -> host.hostId().equals(hostId) && host.info() != null)
        .map(host -> host.info().labels().get(key)).filter(value -> value != null).findFirst().orElse(null);
  }

  /**
   * The target its room was reserved on, with the address its QEMU is to listen on, as its worker
   * registered it; a host without one cannot take the VM's state, and its room goes back at once.
   */
  private MigrationTarget target(String vmId, HostRecord host, MigrationPlacement request, String reason) {
    String hostId = host.hostId();
    String address = host.info() == null ? null : host.info().address();
    if (address == null || address.isBlank()) {
      releaseFor(hostId, vmId, request.migrationId());
      throw ApplicationFailure.newNonRetryableFailure("host " + hostId + " registered no address: it cannot take a migration",
          FailureReasons.MIGRATION_UNSUPPORTED, hostId);
    }
    return new MigrationTarget(hostId, address, reason);
  }

  @Override
  public void releaseFor(String hostId, String vmId, String operationId) {
    if (named(hostId)) {
      update(hostId, operationId + "/release/" + vmId, (host, options) -> WorkflowClient.startUpdate(host::release, vmId, options), false);
    }
  }

  @Override
  public void release(String hostId, String vmId) {
    if (named(hostId)) {
      update(hostId, "release/" + vmId, (host, options) -> WorkflowClient.startUpdate(host::release, vmId, options), false);
    }
  }

  private HostRecord reserve(String hostId, ReserveRequest request) {
    return reserve(hostId, request, "reserve/" + request.vmId());
  }

  /** Reserves room on the host by an update named {@code what} (with the VM workflow's run): a retry joins it. */
  private HostRecord reserve(String hostId, ReserveRequest request, String what) {
    return update(hostId, what, (host, options) -> WorkflowClient.startUpdate(host::reserve, request, options), true);
  }

  /**
   * Sends the host's workflow an Update whose id is the VM workflow run's and {@code what}'s; a
   * host that does not exist refuses it as HOST_NOT_FOUND, or, when {@code mustExist} is false,
   * holds nothing to give back.
   */
  private HostRecord update(String hostId, String what,
      BiFunction<HostWorkflow, UpdateOptions<HostRecord>, WorkflowUpdateHandle<HostRecord>> send, boolean mustExist) {
    HostWorkflow host = client.newWorkflowStub(HostWorkflow.class, HostWorkflow.workflowId(hostId));
    var info = Activity.getExecutionContext().getInfo();
    UpdateOptions<HostRecord> options = UpdateOptions.<HostRecord>newBuilder()
        .setUpdateId(info.getWorkflowId() + "/" + info.getRunId() + "/" + what)
        .setWaitForStage(WorkflowUpdateStage.ACCEPTED)
        .build();
    try {
      return ActivityUpdates.awaited(() -> send.apply(host, options), missing -> ApplicationFailure.newNonRetryableFailure(
          "host " + hostId + " is not known: no worker of that id has registered", FailureReasons.HOST_NOT_FOUND, hostId));
    } catch (ApplicationFailure failure) {
      if (!mustExist && FailureReasons.HOST_NOT_FOUND.equals(failure.getType())) {
        return null;
      }
      throw failure;
    }
  }

  private static boolean named(String hostId) {
    return hostId != null && !hostId.isBlank();
  }
}
