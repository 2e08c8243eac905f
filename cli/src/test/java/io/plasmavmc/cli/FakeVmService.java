package io.plasmavmc.cli;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.ListVmsRequest;
import io.plasmavmc.api.v1.ListVmsResponse;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc;
import io.plasmavmc.api.v1.VmState;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A VmService with canned answers. GetVm of a VM named after a gRPC status code (NOT_FOUND, ...)
 * fails with that code; the other names below fail as the real gateway does, with its details.
 */
final class FakeVmService extends VmServiceGrpc.VmServiceImplBase {
  volatile ListVmsRequest listed;
  volatile CreateVmRequest created;
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
    if (request.getName().equals("slow")) {
      try {
        askedMeanwhile.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    reply(answer, vm(request.getName(), request.getStart() ? VmState.VM_STATE_RUNNING : VmState.VM_STATE_CREATED, "created"));
  }

  private static StatusRuntimeException failure(Status.Code code, String message, String reason, Any detail) {
    com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain("plasmavmc.io").build()));
    if (detail != null) {
      status.addDetails(detail);
    }
    return StatusProto.toStatusRuntimeException(status.build());
  }

  static <T> void reply(StreamObserver<T> answer, T value) {
    answer.onNext(value);
    answer.onCompleted();
  }
}
