package io.plasmavmc.cli;

import static io.plasmavmc.cli.FakeVmService.failure;
import static io.plasmavmc.cli.FakeVmService.reply;

import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.CordonHostRequest;
import io.plasmavmc.api.v1.Drain;
import io.plasmavmc.api.v1.DrainHostRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostCapacity;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.HostState;
import io.plasmavmc.api.v1.HostUsage;
import io.plasmavmc.api.v1.ListHostsRequest;
import io.plasmavmc.api.v1.ListHostsResponse;
import io.plasmavmc.api.v1.UncordonHostRequest;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fleet with canned answers: kvm1 (ready, reporting, two VMs) and kvm2 (never reported). Any
 * other host is NOT_FOUND; draining kvm2 is PERMISSION_DENIED (an operator's token). A drain of
 * kvm1 handles one VM a poll.
 */
final class FakeHostService extends HostServiceGrpc.HostServiceImplBase {
  volatile CordonHostRequest cordoned;
  private final AtomicInteger drainPolls = new AtomicInteger(-1);

  static Host kvm1(HostState state, String reason) {
    return Host.newBuilder().setId("kvm1").setAddress("10.0.0.1").setState(state).setStateReason(reason)
        .setCapacity(HostCapacity.newBuilder().setVcpus(16).setMemoryMib(65_536).setMaxVms(100).setMemoryOvercommit(1.5)
            .setCpuAllocationRatio(4.0))
        .setUsage(HostUsage.newBuilder().setVms(2).setVcpusCommitted(6).setMemoryCommittedMib(9216).setMemoryFreeMib(40_960)
            .setQemuProcesses(3))
        .setAccelerator("kvm").setQemuVersion("8.2.2").putLabels("zone", "a").putLabels("gpu", "none")
        .setLastReportAt(ago(4)).setWorkerStartedAt(Timestamp.newBuilder().setSeconds(1_796_119_200L))
        .addAllVms(List.of("db", "web")).build();
  }

  private static Host kvm2() {
    return Host.newBuilder().setId("kvm2").setAddress("10.0.0.2").setState(HostState.HOST_STATE_UNREACHABLE)
        .setStateReason("its worker stopped reporting").setCapacity(HostCapacity.newBuilder().setVcpus(2).setMemoryMib(4096)
            .setMaxVms(10).setMemoryOvercommit(1.0).setCpuAllocationRatio(1.5)).build();
  }

  private static Timestamp ago(int seconds) {
    return Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - seconds).build();
  }

  @Override
  public void listHosts(ListHostsRequest request, StreamObserver<ListHostsResponse> answer) {
    reply(answer, ListHostsResponse.newBuilder().addHosts(kvm1(HostState.HOST_STATE_READY, "takes new VMs")).addHosts(kvm2()).build());
  }

  @Override
  public void getHost(GetHostRequest request, StreamObserver<Host> answer) {
    if (!request.getId().equals("kvm1")) {
      answer.onError(failure(Status.Code.NOT_FOUND, "host " + request.getId() + " not found", "HOST_NOT_FOUND", null));
    } else if (drainPolls.get() >= 0) {
      reply(answer, draining(drainPolls.incrementAndGet()));
    } else {
      reply(answer, kvm1(HostState.HOST_STATE_READY, "takes new VMs"));
    }
  }

  @Override
  public void cordonHost(CordonHostRequest request, StreamObserver<Host> answer) {
    cordoned = request;
    reply(answer, kvm1(HostState.HOST_STATE_CORDONED, request.getReason().isEmpty() ? "cordoned by token:operator" : request.getReason()));
  }

  @Override
  public void uncordonHost(UncordonHostRequest request, StreamObserver<Host> answer) {
    reply(answer, kvm1(HostState.HOST_STATE_READY, "takes new VMs"));
  }

  @Override
  public void drainHost(DrainHostRequest request, StreamObserver<Host> answer) {
    if (request.getId().equals("kvm2")) {
      answer.onError(Status.PERMISSION_DENIED.withDescription("role operator may not call DrainHost; it needs admin").asRuntimeException());
      return;
    }
    drainPolls.set(0);
    reply(answer, draining(0));
  }

  /** kvm1's drain after {@code handled} of its two VMs. */
  private static Host draining(int handled) {
    List<String> done = List.of("web: stopped", "db: stopped").subList(0, Math.min(2, handled));
    Drain.Builder drain = Drain.newBuilder().setDone(handled >= 2).setTotal(2).addAllHandled(done)
        .addAllRemaining(List.of("web", "db").subList(Math.min(2, handled), 2)).setStartedAt(Timestamp.newBuilder().setSeconds(1_796_119_260L));
    if (handled >= 2) {
      drain.setEndedAt(Timestamp.newBuilder().setSeconds(1_796_119_270L));
    }
    return kvm1(handled >= 2 ? HostState.HOST_STATE_CORDONED : HostState.HOST_STATE_DRAINING,
        handled >= 2 ? "draining" : "draining: " + handled + " of 2 VMs handled").toBuilder().setDrain(drain).build();
  }
}
