package io.plasmavmc.gateway;

import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.plasmavmc.contract.VmSearchAttributes;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code plasmavmc_vms{host, state}}: the VMs by host and state, as Temporal's visibility store
 * has them (the search attributes VmHost and VmState of the running VM workflows), counted when
 * scraped: no query to any VM.
 */
final class VmCensus {
  private static final int PAGE = 1000;

  private final WorkflowClient client;
  private final MultiGauge vms;

  VmCensus(WorkflowClient client, MeterRegistry registry) {
    this.client = client;
    this.vms = MultiGauge.builder("plasmavmc_vms").description("VMs by host and state").register(registry);
  }

  void refresh() {
    Map<List<String>, Integer> counts = new HashMap<>();
    ListWorkflowExecutionsRequest.Builder request = ListWorkflowExecutionsRequest.newBuilder()
        .setNamespace(client.getOptions().getNamespace())
        .setQuery("WorkflowType = 'VmWorkflow' AND ExecutionStatus = 'Running'")
        .setPageSize(PAGE);
    try {
      do {
        ListWorkflowExecutionsResponse page = client.getWorkflowServiceStubs().blockingStub().listWorkflowExecutions(request.build());
        for (WorkflowExecutionInfo info : page.getExecutionsList()) {
          Map<String, Payload> attributes = info.getSearchAttributes().getIndexedFieldsMap();
          counts.merge(List.of(text(attributes.get(VmSearchAttributes.HOST.getName())), text(attributes.get(VmSearchAttributes.STATE.getName()))),
              1, Integer::sum);
        }
        request.setNextPageToken(page.getNextPageToken());
      } while (!request.getNextPageToken().isEmpty());
    } catch (StatusRuntimeException e) {
      return; // Temporal away: the gauges keep their last values
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    counts.forEach((key, count) -> rows.add(MultiGauge.Row.of(Tags.of("host", key.get(0), "state", key.get(1)), count)));
    vms.register(rows, true);
  }

  private static String text(Payload payload) {
    if (payload == null) {
      return "unknown";
    }
    String value = DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, String.class, String.class);
    return value == null ? "unknown" : value;
  }
}
