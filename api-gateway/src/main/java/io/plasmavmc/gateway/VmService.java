package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteSnapshotRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.DeleteVmResponse;
import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListOrphansRequest;
import io.plasmavmc.api.v1.ListOrphansResponse;
import io.plasmavmc.api.v1.ListSnapshotsRequest;
import io.plasmavmc.api.v1.ListSnapshotsResponse;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.ListVmsResponse;
import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.api.v1.Orphan;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.RestoreSnapshotRequest;
import io.plasmavmc.api.v1.ResumeVmRequest;
import io.plasmavmc.api.v1.SnapshotVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmEvent;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.api.v1.WatchVmRequest;
import io.plasmavmc.contract.DeleteRequest;
import io.plasmavmc.contract.StopRequest;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.fleet.PlacementRequest;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.VmSpec;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * plasmavmc.v1.VmService: validates each request, then hands it to the VM's workflow. A CreateVm
 * without host_id is placed by the fleet; {@code defaultHostId} is only ListOrphans' host when it
 * names none.
 */
final class VmService extends VmServiceGrpc.VmServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(VmService.class);
  static final int MAX_STOP_TIMEOUT_SECONDS = 3600;
  static final int MAX_PAGE_SIZE = 500;

  static final int DEFAULT_CONSOLE_BYTES = 64 * 1024;
  static final int MAX_CONSOLE_BYTES = 1024 * 1024;

  private final VmDirectory directory;
  private final VmLister lister;
  private final VmWatcher watcher;
  private final String defaultHostId;

  VmService(VmDirectory directory, VmLister lister, VmWatcher watcher, String defaultHostId) {
    this.directory = directory;
    this.lister = lister;
    this.watcher = watcher;
    this.defaultHostId = defaultHostId;
  }

  @Override
  public void watchVm(WatchVmRequest request, StreamObserver<VmEvent> response) {
    try {
      watcher.watch(Requests.name("name", request.getName()), (ServerCallStreamObserver<VmEvent>) response);
    } catch (StatusRuntimeException e) {
      response.onError(e);
    }
  }

  @Override
  public void listOrphans(ListOrphansRequest request, StreamObserver<ListOrphansResponse> response) {
    answer("ListOrphans", request.getHostId(), response, error -> true, () -> {
      String hostId = request.getHostId().isEmpty() ? defaultHostId : Requests.name("host_id", request.getHostId());
      var result = ListOrphansResponse.newBuilder().setHostId(hostId);
      directory.orphans(hostId).forEach((vmId, pid) ->
          result.addOrphans(Orphan.newBuilder().setVmId(vmId).setQemuPid(pid)));
      return result.build();
    });
  }

  @Override
  public void getConsoleLog(GetConsoleLogRequest request, StreamObserver<ConsoleLog> response) {
    answer("GetConsoleLog", request.getName(), response, error -> false, () -> {
      String name = Requests.name("name", request.getName());
      int maxBytes = Requests.maxBytes("max_bytes", request.getMaxBytes(), DEFAULT_CONSOLE_BYTES, MAX_CONSOLE_BYTES);
      return VmMapping.consoleLog(directory.consoleLog(name, maxBytes));
    });
  }

  @Override
  public void createVm(CreateVmRequest request, StreamObserver<Vm> response) {
    respond("CreateVm", request.getName(), response, () -> {
      String name = Requests.name("name", request.getName());
      String requestId = Requests.requestId(request.getRequestId());
      PlacementRequest placement = PlacementRequests.of(request.getHostId(), request.getPlacement());
      VmSpec spec;
      try {
        spec = SpecMapping.fromProto(name, request.getSpec());
      } catch (InvalidSpecException e) {
        throw ErrorDetails.invalidField(e.getMessage());
      }
      if (request.getWaitForReady() && !request.getStart()) {
        throw Requests.invalid("wait_for_ready", "needs start = true: a VM that is only created does not boot");
      }
      if (request.getWaitForReady() && spec.readiness() == null) {
        throw Requests.invalid("wait_for_ready", "needs spec.readiness: without a probe there is nothing to wait for");
      }
      VmRecord created = directory.create(name, spec, requestId.isEmpty() ? UUID.randomUUID().toString() : requestId, request.getStart(),
          placement, CallDeadlines.busyHostWait());
      return request.getWaitForReady() ? ready(name, created) : created;
    });
  }

  @Override
  public void startVm(StartVmRequest request, StreamObserver<Vm> response) {
    boot("StartVm", request.getName(), request.getWaitForReady(), directory::start, response);
  }

  /** An operation that boots the guest (start, reboot), answering once it runs or, if asked, once the guest is ready. */
  private void boot(String rpc, String rawName, boolean waitForReady, Function<String, VmRecord> operation, StreamObserver<Vm> response) {
    respond(rpc, rawName, response, () -> {
      String name = Requests.name("name", rawName);
      VmRecord booted = operation.apply(name);
      return waitForReady ? ready(name, booted) : booted;
    });
  }

  @Override
  public void stopVm(StopVmRequest request, StreamObserver<Vm> response) {
    respond("StopVm", request.getName(), response, () -> {
      String name = Requests.name("name", request.getName());
      if (SpecMapping.unsigned(request.getTimeoutSeconds()) > MAX_STOP_TIMEOUT_SECONDS) {
        throw Requests.invalid("timeout_seconds", "must be at most " + MAX_STOP_TIMEOUT_SECONDS);
      }
      return directory.stop(name, new StopRequest(request.getTimeoutSeconds(), request.getForce()));
    });
  }

  @Override
  public void pauseVm(PauseVmRequest request, StreamObserver<Vm> response) {
    respond("PauseVm", request.getName(), response, () -> directory.pause(Requests.name("name", request.getName())));
  }

  @Override
  public void resumeVm(ResumeVmRequest request, StreamObserver<Vm> response) {
    respond("ResumeVm", request.getName(), response, () -> directory.resume(Requests.name("name", request.getName())));
  }

  @Override
  public void rebootVm(RebootVmRequest request, StreamObserver<Vm> response) {
    boot("RebootVm", request.getName(), request.getWaitForReady(), directory::reboot, response);
  }

  @Override
  public void getVm(GetVmRequest request, StreamObserver<Vm> response) {
    respond("GetVm", request.getName(), response, () -> directory.describe(Requests.name("name", request.getName())));
  }

  @Override
  public void listVms(ListVmsRequest request, StreamObserver<ListVmsResponse> response) {
    answer("ListVms", "", response, error -> false, () -> {
      if (SpecMapping.unsigned(request.getPageSize()) > MAX_PAGE_SIZE) {
        throw Requests.invalid("page_size", "must be at most " + MAX_PAGE_SIZE);
      }
      int pageSize = request.getPageSize() == 0 ? 50 : request.getPageSize();
      String token = request.getPageToken();
      if (!VmLister.validToken(token)) {
        throw Requests.invalid("page_token", "is not a token ListVms returned");
      }
      if (request.getState() == VmState.UNRECOGNIZED || request.getState() == VmState.VM_STATE_DELETED) {
        throw Requests.invalid("state", "must be a state a listed VM can be in (deleted VMs are not listed)");
      }
      String hostId = request.getHostId().isEmpty() ? "" : Requests.name("host_id", request.getHostId());
      return lister.list(pageSize, token, new VmLister.Filter(request.getState(), hostId));
    });
  }

  @Override
  public void deleteVm(DeleteVmRequest request, StreamObserver<DeleteVmResponse> response) {
    answer("DeleteVm", request.getName(), response, error -> true, () -> {
      VmRecord deleted = directory.delete(Requests.name("name", request.getName()), new DeleteRequest(request.getKeepDisks()));
      log.info("DeleteVm {}: deleted{}", request.getName(), request.getKeepDisks() ? " (its disks kept)" : "");
      return DeleteVmResponse.newBuilder().setVm(VmMapping.toProto(deleted)).build();
    });
  }

  @Override
  public void snapshotVm(SnapshotVmRequest request, StreamObserver<Vm> response) {
    respond("SnapshotVm", request.getName(), response, () -> {
      String name = Requests.name("name", request.getName());
      String snapshot = Requests.name("snapshot", request.getSnapshot());
      return directory.snapshot(name, snapshot);
    });
  }

  /** The snapshots of the VM's record: read by the same query as GetVm, no host asked. */
  @Override
  public void listSnapshots(ListSnapshotsRequest request, StreamObserver<ListSnapshotsResponse> response) {
    answer("ListSnapshots", request.getName(), response, error -> error.getStatus().getCode() != Status.Code.NOT_FOUND, () -> {
      VmRecord vm = directory.describe(Requests.name("name", request.getName()));
      ListSnapshotsResponse.Builder list = ListSnapshotsResponse.newBuilder();
      vm.snapshots().forEach(snapshot -> list.addSnapshots(VmMapping.snapshot(snapshot)));
      return list.build();
    });
  }

  @Override
  public void restoreSnapshot(RestoreSnapshotRequest request, StreamObserver<Vm> response) {
    onSnapshot("RestoreSnapshot", request.getName(), request.getSnapshot(), directory::restoreSnapshot, response);
  }

  @Override
  public void deleteSnapshot(DeleteSnapshotRequest request, StreamObserver<Vm> response) {
    onSnapshot("DeleteSnapshot", request.getName(), request.getSnapshot(), directory::deleteSnapshot, response);
  }

  @Override
  public void migrateVm(MigrateVmRequest request, StreamObserver<Vm> response) {
    respond("MigrateVm", request.getName(), response, () -> {
      String name = Requests.name("name", request.getName());
      return directory.migrate(name, MigrationRequests.of(request));
    });
  }

  private void onSnapshot(String rpc, String rawName, String rawSnapshot, BiFunction<String, String, VmRecord> operation,
      StreamObserver<Vm> response) {
    respond(rpc, rawName, response, () -> operation.apply(Requests.name("name", rawName), Requests.name("snapshot", rawSnapshot)));
  }

  /**
   * The VM once its guest is ready. A VM without a probe is ready when it runs; one that booted
   * with a probe is waited for (DEADLINE_EXCEEDED naming the probe when its time runs out).
   */
  private VmRecord ready(String name, VmRecord booted) {
    if (booted.spec().readiness() == null || (booted.readiness() != null && booted.readiness().ready())) {
      return booted;
    }
    return directory.awaitReady(name);
  }

  /** A call answered with the VM; operations log how it ended, GetVm only its unexpected errors. */
  private void respond(String rpc, String name, StreamObserver<Vm> response, Supplier<VmRecord> call) {
    boolean read = "GetVm".equals(rpc);
    answer(rpc, name, response, error -> !read || error.getStatus().getCode() != Status.Code.NOT_FOUND, () -> {
      VmRecord vm = call.get();
      if (!read) {
        log.info("{} {}: {} ({})", rpc, name, vm.state(), vm.stateReason());
      }
      return VmMapping.toProto(vm);
    });
  }

  private <T> void answer(String rpc, String name, StreamObserver<T> response, Predicate<StatusRuntimeException> logged,
      Supplier<T> call) {
    UnaryCalls.answer(log, rpc, name, response, logged, call);
  }
}
