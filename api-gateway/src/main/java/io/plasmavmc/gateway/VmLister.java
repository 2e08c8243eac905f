package io.plasmavmc.gateway;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.ListVmsResponse;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmState;
import io.plasmavmc.contract.VmRecord;
import io.plasmavmc.contract.VmSearchAttributes;
import io.plasmavmc.support.DaemonThreads;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * ListVms, paged and filtered: Temporal's visibility store names the running VM workflows, by the
 * search attributes VmState and VmHost; each VM is then read from its workflow, so a page shows
 * every VM as it is now, and one that no longer matches the filter (visibility lags by
 * milliseconds) is left out.
 */
final class VmLister {
  private static final String VISIBILITY_TOKEN = "v:";

  /** What a client asks for: unset fields match any VM. */
  record Filter(VmState state, String hostId) {
    boolean matches(Vm vm) {
      return (state == VmState.VM_STATE_UNSPECIFIED || vm.getState() == state) && (hostId.isEmpty() || vm.getHostId().equals(hostId));
    }

    /** The visibility query. Safe to build as text: the state is an enum's name and the host id a checked name. */
    String query() {
      StringBuilder query = new StringBuilder("WorkflowType = 'VmWorkflow' AND ExecutionStatus = 'Running'");
      if (state != VmState.VM_STATE_UNSPECIFIED) {
        query.append(" AND ").append(VmSearchAttributes.STATE.getName()).append(" = '")
            .append(state.name().substring("VM_STATE_".length())).append('\'');
      }
      if (!hostId.isEmpty()) {
        query.append(" AND ").append(VmSearchAttributes.HOST.getName()).append(" = '").append(hostId).append('\'');
      }
      return query.toString();
    }
  }

  /**
   * Each VM of a page is read from its workflow, a round trip of a few milliseconds: read one after
   * another, a page of 500 took seconds. A small pool reads them side by side, bounded so that one
   * listing cannot crowd out the gateway's other calls.
   */
  private static final ExecutorService READERS = Executors.newFixedThreadPool(16, DaemonThreads.named("list-vms"));

  private final VmDirectory directory;

  VmLister(VmDirectory directory) {
    this.directory = directory;
  }

  static boolean validToken(String token) {
    return token.isEmpty() || token.startsWith(VISIBILITY_TOKEN);
  }

  ListVmsResponse list(int pageSize, String pageToken, Filter filter) {
    ListWorkflowExecutionsRequest.Builder request = ListWorkflowExecutionsRequest.newBuilder()
        .setNamespace(directory.client().getOptions().getNamespace())
        .setPageSize(pageSize)
        .setQuery(filter.query());
    if (pageToken.startsWith(VISIBILITY_TOKEN)) {
      request.setNextPageToken(ByteString.copyFrom(decode(pageToken.substring(VISIBILITY_TOKEN.length()))));
    }
    ListWorkflowExecutionsResponse response;
    try {
      response = directory.client().getWorkflowServiceStubs().blockingStub().listWorkflowExecutions(request.build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT && !pageToken.isEmpty()) {
        throw Requests.invalid("page_token", "does not belong to this listing (a token is valid only with the filter it came with)");
      }
      throw Failures.toStatus("list", e);
    }
    List<CompletableFuture<VmRecord>> reads = response.getExecutionsList().stream()
        .map(info -> info.getExecution().getWorkflowId().substring("vm-".length()))
        .map(name -> CompletableFuture.supplyAsync(() -> directory.describeOrNull(name), READERS))
        .toList();
    ListVmsResponse.Builder result = ListVmsResponse.newBuilder();
    for (CompletableFuture<VmRecord> read : reads) {
      add(result, read, filter);
    }
    if (!response.getNextPageToken().isEmpty()) {
      result.setNextPageToken(VISIBILITY_TOKEN + Base64.getUrlEncoder().encodeToString(response.getNextPageToken().toByteArray()));
    }
    return result.build();
  }

  private static void add(ListVmsResponse.Builder result, CompletableFuture<VmRecord> read, Filter filter) {
    VmRecord record;
    try {
      record = read.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
    if (record != null) {
      Vm vm = VmMapping.toProto(record);
      if (filter.matches(vm)) {
        result.addVms(vm);
      }
    }
  }

  private static byte[] decode(String token) {
    try {
      return Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw Requests.invalid("page_token", "is not a token ListVms returned");
    }
  }
}
