package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.CordonHostRequest;
import io.plasmavmc.api.v1.DrainHostRequest;
import io.plasmavmc.api.v1.GetHostRequest;
import io.plasmavmc.api.v1.Host;
import io.plasmavmc.api.v1.HostServiceGrpc;
import io.plasmavmc.api.v1.ListHostsRequest;
import io.plasmavmc.api.v1.ListHostsResponse;
import io.plasmavmc.api.v1.UncordonHostRequest;
import io.plasmavmc.contract.fleet.HostRecord;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** plasmavmc.v1.HostService: checks each request, then asks the host's workflow (see {@link HostDirectory}). */
final class HostService extends HostServiceGrpc.HostServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(HostService.class);
  static final int MAX_REASON = 256;

  private final HostDirectory hosts;

  HostService(HostDirectory hosts) {
    this.hosts = hosts;
  }

  @Override
  public void listHosts(ListHostsRequest request, StreamObserver<ListHostsResponse> response) {
    UnaryCalls.answer(log, "ListHosts", "", response, error -> true, () -> {
      ListHostsResponse.Builder list = ListHostsResponse.newBuilder();
      hosts.list().forEach(host -> list.addHosts(HostMapping.toProto(host)));
      return list.build();
    });
  }

  @Override
  public void getHost(GetHostRequest request, StreamObserver<Host> response) {
    UnaryCalls.answer(log, "GetHost", request.getId(), response, error -> error.getStatus().getCode() != Status.Code.NOT_FOUND,
        () -> HostMapping.toProto(hosts.describe(Requests.name("id", request.getId()))));
  }

  @Override
  public void cordonHost(CordonHostRequest request, StreamObserver<Host> response) {
    change("CordonHost", request.getId(), response, id -> hosts.cordon(id, reason(request.getReason())));
  }

  @Override
  public void uncordonHost(UncordonHostRequest request, StreamObserver<Host> response) {
    change("UncordonHost", request.getId(), response, hosts::uncordon);
  }

  /** Answers once the drain started (the host cordoned); GetHost follows it. */
  @Override
  public void drainHost(DrainHostRequest request, StreamObserver<Host> response) {
    change("DrainHost", request.getId(), response, hosts::drain);
  }

  /** A change of a host's service, logged with who asked for it. */
  private void change(String rpc, String rawId, StreamObserver<Host> response, Function<String, HostRecord> call) {
    UnaryCalls.answer(log, rpc, rawId, response, error -> true, () -> {
      Host host = HostMapping.toProto(call.apply(Requests.name("id", rawId)));
      log.info("{} {} by {}: {} ({})", rpc, host.getId(), caller(), host.getState(), host.getStateReason());
      return host;
    });
  }

  /** The reason an operator gave, or who cordoned the host when none was given: a host is never cordoned for no known reason. */
  private static String reason(String given) {
    if (given.length() > MAX_REASON) {
      throw Requests.invalid("reason", "must be at most " + MAX_REASON + " characters");
    }
    if (given.chars().anyMatch(Character::isISOControl)) {
      throw Requests.invalid("reason", "must be one line of printable text");
    }
    return given.isBlank() ? "cordoned by " + caller() : given.strip();
  }

  private static String caller() {
    String caller = Authenticator.CALLER.get();
    return caller == null ? "an operator" : caller;
  }
}
