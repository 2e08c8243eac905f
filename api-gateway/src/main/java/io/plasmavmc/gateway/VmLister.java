package io.plasmavmc.gateway;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.ListVmsResponse;
import io.plasmavmc.workflow.VmRecord;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ListVms, paged. On a Temporal cluster it asks visibility for the running VM workflows; the
 * embedded in-memory server has no visibility store, so there it reads the registry workflow's
 * names. {@code source} is "auto" (visibility, falling back to the registry), "visibility" or
 * "registry".
 */
final class VmLister {
  private static final Logger log = LoggerFactory.getLogger(VmLister.class);
  private static final String QUERY = "WorkflowType = 'VmWorkflow' AND ExecutionStatus = 'Running'";
  private static final String REGISTRY_TOKEN = "r:";
  private static final String VISIBILITY_TOKEN = "v:";

  private final VmDirectory directory;
  private volatile String source;

  VmLister(VmDirectory directory, String source) {
    this.directory = directory;
    this.source = source == null || source.isBlank() ? "auto" : source;
  }

  ListVmsResponse list(int pageSize, String pageToken) {
    if (pageToken.startsWith(REGISTRY_TOKEN) || "registry".equals(source)) {
      return fromRegistry(pageSize, pageToken);
    }
    try {
      return fromVisibility(pageSize, pageToken);
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if ("auto".equals(source) && (code == Status.Code.UNIMPLEMENTED || code == Status.Code.INVALID_ARGUMENT)) {
        log.info("Temporal has no usable visibility store ({}); listing VMs from the registry workflow", code);
        source = "registry";
        return fromRegistry(pageSize, pageToken);
      }
      throw Failures.toStatus("list", e);
    }
  }

  private ListVmsResponse fromVisibility(int pageSize, String pageToken) {
    ListWorkflowExecutionsRequest.Builder request = ListWorkflowExecutionsRequest.newBuilder()
        .setNamespace(directory.client().getOptions().getNamespace())
        .setPageSize(pageSize)
        .setQuery(QUERY);
    if (pageToken.startsWith(VISIBILITY_TOKEN)) {
      request.setNextPageToken(ByteString.copyFrom(Base64.getUrlDecoder().decode(pageToken.substring(VISIBILITY_TOKEN.length()))));
    }
    ListWorkflowExecutionsResponse response = directory.client().getWorkflowServiceStubs().blockingStub().listWorkflowExecutions(request.build());
    ListVmsResponse.Builder result = ListVmsResponse.newBuilder();
    for (WorkflowExecutionInfo info : response.getExecutionsList()) {
      String name = info.getExecution().getWorkflowId().substring("vm-".length());
      VmRecord vm = directory.describeOrNull(name);
      if (vm != null) {
        result.addVms(VmMapping.toProto(vm));
      }
    }
    if (!response.getNextPageToken().isEmpty()) {
      result.setNextPageToken(VISIBILITY_TOKEN + Base64.getUrlEncoder().encodeToString(response.getNextPageToken().toByteArray()));
    }
    return result.build();
  }

  private ListVmsResponse fromRegistry(int pageSize, String pageToken) {
    String after = "";
    if (pageToken.startsWith(REGISTRY_TOKEN)) {
      after = new String(Base64.getUrlDecoder().decode(pageToken.substring(REGISTRY_TOKEN.length())), StandardCharsets.UTF_8);
    }
    List<String> names = new ArrayList<>(directory.registeredNames());
    names.sort(null);
    ListVmsResponse.Builder result = ListVmsResponse.newBuilder();
    String last = null;
    int taken = 0;
    for (String name : names) {
      if (name.compareTo(after) <= 0) {
        continue;
      }
      if (taken == pageSize) {
        result.setNextPageToken(REGISTRY_TOKEN + Base64.getUrlEncoder().encodeToString(last.getBytes(StandardCharsets.UTF_8)));
        break;
      }
      VmRecord vm = directory.describeOrNull(name);
      last = name;
      if (vm != null) {
        result.addVms(VmMapping.toProto(vm));
        taken++;
      }
    }
    return result.build();
  }
}
