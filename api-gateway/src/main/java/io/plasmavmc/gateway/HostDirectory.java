package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.fleet.FleetClient;
import io.plasmavmc.contract.fleet.HostRecord;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.plasmavmc.support.DaemonThreads;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The gateway's only way to the fleet's hosts: their workflows, through the Temporal client. Every
 * failure leaves this class as a gRPC status (see {@link FleetFailures}).
 */
final class HostDirectory {
  /** The ids of the hosts whose workflow runs, at most {@code max}: Temporal's visibility store in production. */
  @FunctionalInterface
  interface HostIds {
    List<String> list(int max);
  }

  /** Each host of a listing is read by a query of its workflow; a few at a time, so that a listing cannot crowd out other calls. */
  private static final ExecutorService READERS = Executors.newFixedThreadPool(8, DaemonThreads.named("list-hosts"));

  private final FleetClient fleet;
  private final HostIds ids;

  HostDirectory(FleetClient fleet) {
    this(fleet, fleet::hostIds);
  }

  HostDirectory(FleetClient fleet, HostIds ids) {
    this.fleet = fleet;
    this.ids = ids;
  }

  /** Every host whose workflow runs (at most {@link FleetClient#MAX_HOSTS}), as it is now, by id. */
  List<HostRecord> list() {
    List<String> hostIds;
    try {
      hostIds = ids.list(FleetClient.MAX_HOSTS);
    } catch (RuntimeException e) {
      throw Failures.toStatus("", e);
    }
    List<CompletableFuture<HostRecord>> reads = hostIds.stream()
        .map(id -> CompletableFuture.supplyAsync(() -> describeOrNull(id), READERS))
        .toList();
    try {
      return reads.stream().map(CompletableFuture::join).filter(Objects::nonNull).sorted(Comparator.comparing(HostRecord::hostId)).toList();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
  }

  HostRecord describe(String hostId) {
    return call(hostId, HostWorkflow::describe);
  }

  HostRecord cordon(String hostId, String reason) {
    return call(hostId, host -> host.cordon(reason));
  }

  HostRecord uncordon(String hostId) {
    return call(hostId, HostWorkflow::uncordon);
  }

  HostRecord drain(String hostId) {
    return call(hostId, HostWorkflow::drain);
  }

  /** A host whose workflow ended between the listing and its query is left out. */
  private HostRecord describeOrNull(String hostId) {
    try {
      return describe(hostId);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw e;
    }
  }

  private HostRecord call(String hostId, Function<HostWorkflow, HostRecord> call) {
    try {
      return call.apply(fleet.host(hostId));
    } catch (RuntimeException e) {
      throw FleetFailures.toStatus(hostId, e);
    }
  }
}
