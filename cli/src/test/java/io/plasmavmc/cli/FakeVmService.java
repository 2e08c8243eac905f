package io.plasmavmc.cli;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import com.google.protobuf.Timestamp;
import io.plasmavmc.api.v1.CloudInit;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteSnapshotRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.DeleteVmResponse;
import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListSnapshotsRequest;
import io.plasmavmc.api.v1.ListSnapshotsResponse;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.ListVmsResponse;
import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.RestoreSnapshotRequest;
import io.plasmavmc.api.v1.Snapshot;
import io.plasmavmc.api.v1.SnapshotVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A VmService with canned answers. GetVm of a VM named after a gRPC status code (NOT_FOUND, ...)
 * fails with that code; the other names below fail as the real gateway does, with its details.
 */
final class FakeVmService extends VmServiceGrpc.VmServiceImplBase {
  volatile ListVmsRequest listed;
  volatile CreateVmRequest created;
  volatile DeleteVmRequest deleted;
  final List<Snapshot> snapshots = new CopyOnWriteArrayList<>();
  /** CreateVm of "slow" answers only once GetVm has been asked meanwhile, as a create that takes a while. */
  private final CountDownLatch askedMeanwhile = new CountDownLatch(1);

  static Vm vm(String name, VmState state, String reason) {
    return Vm.newBuilder().setName(name).setState(state).setStateReason(reason).setHostId("h1").setQemuPid(4242)
        .setQemuRunState(state == VmState.VM_STATE_PAUSED ? "paused" : "running").build();
  }

  @Override
  public void getVm(GetVmRequest request, StreamObserver<Vm> answer) {
    askedMeanwhile.countDown();
    if (Arrays.stream(Status.Code.values()).anyMatch(code -> code.name().equals(request.getName()))) {
      answer.onError(Status.fromCode(Status.Code.valueOf(request.getName())).withDescription("fake failure").asRuntimeException());
    } else if (request.getName().equals("storage")) {
      reply(answer, withStorage(vm("storage", VmState.VM_STATE_RUNNING, "guest is running")));
    } else if (request.getName().equals("placed")) {
      reply(answer, vm("placed", VmState.VM_STATE_RUNNING, "guest is running").toBuilder()
          .setPlacementReason("spread: h1 has the most memory left (39.1 GiB) of 2 hosts that fit").build());
    } else if (request.getName().equals("mover")) {
      reply(answer, vm("mover", VmState.VM_STATE_RUNNING, "migrating to host h2: sending RAM and devices (at most 200 MiB/s, 300 ms of "
          + "downtime)"));
    } else if (request.getName().equals("missing")) {
      answer.onError(failure(Status.Code.NOT_FOUND, "VM missing not found", "VM_NOT_FOUND", null));
    } else {
      reply(answer, vm(request.getName(), request.getName().equals("slow") ? VmState.VM_STATE_CREATING : VmState.VM_STATE_RUNNING,
          request.getName().equals("slow") ? "starting QEMU on host h1" : "guest is running"));
    }
  }

  @Override
  public void listVms(ListVmsRequest request, StreamObserver<ListVmsResponse> answer) {
    listed = request;
    reply(answer, ListVmsResponse.newBuilder().addVms(vm("demo", VmState.VM_STATE_RUNNING, "guest is running"))
        .addVms(vm("web", VmState.VM_STATE_PAUSED, "paused by request")).build());
  }

  @Override
  public void pauseVm(PauseVmRequest request, StreamObserver<Vm> answer) {
    if (request.getName().equals("stopped")) {
      answer.onError(failure(Status.Code.FAILED_PRECONDITION, "VM stopped is STOPPED: cannot pause; only a RUNNING VM can be paused",
          "ILLEGAL_TRANSITION", Any.pack(PreconditionFailure.newBuilder().addViolations(PreconditionFailure.Violation.newBuilder()
              .setType("VM_STATE").setSubject("vm/stopped").setDescription("is STOPPED; allowed: RUNNING")).build())));
      return;
    }
    reply(answer, vm(request.getName(), VmState.VM_STATE_PAUSED, "paused by request"));
  }

  @Override
  public void createVm(CreateVmRequest request, StreamObserver<Vm> answer) {
    created = request;
    if (request.getSpec().getMemoryMib() == 1) {
      answer.onError(failure(Status.Code.INVALID_ARGUMENT, "spec.memory_mib: must be between 16 and 4194304", "INVALID_FIELD",
          Any.pack(BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder().setField("spec.memory_mib")
              .setDescription("must be between 16 and 4194304")).build())));
      return;
    }
    if (request.getName().equals("nowhere")) {
      answer.onError(failure(Status.Code.RESOURCE_EXHAUSTED, "no host has room for 64 GiB of memory: the most left is 39.1 GiB (h1)",
          "NO_HOST_FITS", null));
      return;
    }
    if (request.getName().equals("slow")) {
      try {
        askedMeanwhile.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    reply(answer, vm(request.getName(), request.getStart() ? VmState.VM_STATE_RUNNING : VmState.VM_STATE_CREATED, "created"));
  }

  static StatusRuntimeException failure(Status.Code code, String message, String reason, Any detail) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain("plasmavmc.io").build()));
    if (detail != null) {
      status.addDetails(detail);
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  /** A VM with a disk of each form, cloud-init data and the snapshots taken so far. */
  Vm withStorage(Vm vm) {
    VmSpec spec = VmSpec.newBuilder().setVcpus(1).setMemoryMib(128).setMachineType("q35")
        .addDisks(Disk.newBuilder().setImage("debian-12").setSizeGib(20))
        .addDisks(Disk.newBuilder().setSizeGib(10))
        .addDisks(Disk.newBuilder().setPath("/var/lib/plasmavmc/images/data.raw").setFormat(DiskFormat.DISK_FORMAT_RAW).setReadOnly(true))
        .setCloudInit(CloudInit.newBuilder().setUserData("#cloud-config\n" + "x".repeat(2035)).setNetworkConfig("version: 2\n"))
        .build();
    return vm.toBuilder().setSpec(spec).addAllSnapshots(snapshots).build();
  }

  /** Snapshots: "plain" has no disk of its own (FAILED_PRECONDITION); a name taken twice is ALREADY_EXISTS, an unknown one NOT_FOUND. */
  @Override
  public void snapshotVm(SnapshotVmRequest request, StreamObserver<Vm> answer) {
    if (request.getName().equals("plain")) {
      answer.onError(failure(Status.Code.FAILED_PRECONDITION, "VM plain cannot take a snapshot as it is", "SNAPSHOT_UNSUPPORTED", null));
    } else if (snapshots.stream().anyMatch(s -> s.getName().equals(request.getSnapshot()))) {
      answer.onError(failure(Status.Code.ALREADY_EXISTS, "VM " + request.getName() + " has a snapshot " + request.getSnapshot() + " already",
          "SNAPSHOT_EXISTS", null));
    } else {
      snapshots.add(Snapshot.newBuilder().setName(request.getSnapshot()).setCreatedAt(Timestamp.newBuilder().setSeconds(1_796_119_200L))
          .setWithMemory(!request.getName().equals("cold")).setVmStateBytes(request.getName().equals("cold") ? 0 : 130L << 20).build());
      reply(answer, withStorage(vm(request.getName(), VmState.VM_STATE_RUNNING, "guest is running")));
    }
  }

  @Override
  public void listSnapshots(ListSnapshotsRequest request, StreamObserver<ListSnapshotsResponse> answer) {
    reply(answer, ListSnapshotsResponse.newBuilder().addAllSnapshots(snapshots).build());
  }

  @Override
  public void restoreSnapshot(RestoreSnapshotRequest request, StreamObserver<Vm> answer) {
    if (snapshots.stream().noneMatch(s -> s.getName().equals(request.getSnapshot()))) {
      answer.onError(failure(Status.Code.NOT_FOUND, "VM " + request.getName() + " has no snapshot " + request.getSnapshot(),
          "SNAPSHOT_NOT_FOUND", null));
      return;
    }
    reply(answer, withStorage(vm(request.getName(), VmState.VM_STATE_RUNNING, "restored snapshot " + request.getSnapshot())));
  }

  @Override
  public void deleteSnapshot(DeleteSnapshotRequest request, StreamObserver<Vm> answer) {
    snapshots.removeIf(s -> s.getName().equals(request.getSnapshot()));
    reply(answer, withStorage(vm(request.getName(), VmState.VM_STATE_RUNNING, "guest is running")));
  }

  volatile MigrateVmRequest migrated;

  /**
   * A migration to the host named (h3 by placement); "mover" answers only once GetVm was asked
   * meanwhile (its phase is its state reason), "failing" fails and is undone as the real one is.
   */
  @Override
  public void migrateVm(MigrateVmRequest request, StreamObserver<Vm> answer) {
    migrated = request;
    if (request.getName().equals("failing")) {
      answer.onError(failure(Status.Code.ABORTED, "migration of VM failing to host h2 failed while sending the VM's state to host h2: "
          + "QEMU's transfer failed; undone: the VM is RUNNING on host h1 as before", "MIGRATION_FAILED", null));
      return;
    }
    if (request.getName().equals("mover")) {
      try {
        askedMeanwhile.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String target = request.getTargetHostId().isEmpty() ? "h3" : request.getTargetHostId();
    reply(answer, vm(request.getName(), VmState.VM_STATE_RUNNING, "migrated from host h1 to host " + target).toBuilder().setHostId(target)
        .build());
  }

  @Override
  public void deleteVm(DeleteVmRequest request, StreamObserver<DeleteVmResponse> answer) {
    deleted = request;
    reply(answer, DeleteVmResponse.newBuilder().setVm(vm(request.getName(), VmState.VM_STATE_DELETED, "deleted")).build());
  }

  static <T> void reply(StreamObserver<T> answer, T value) {
    answer.onNext(value);
    answer.onCompleted();
  }
}
