package io.plasmavmc.worker;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.WorkflowSearchAttributes;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers VmName, VmState and VmHost (the VM workflows') and HostState (the host workflows')
 * with the Temporal server. A workflow that upserts an unknown search attribute fails its
 * workflow task, so the worker makes sure of them before it polls for work.
 */
final class SearchAttributes {
  private static final Logger log = LoggerFactory.getLogger(SearchAttributes.class);

  private SearchAttributes() {}

  private static Set<String> known(OperatorServiceStubs operator, String namespace) {
    try {
      return operator.blockingStub()
          .listSearchAttributes(ListSearchAttributesRequest.newBuilder().setNamespace(namespace).build())
          .getCustomAttributesMap().keySet();
    } catch (StatusRuntimeException e) {
      // A server that cannot list them (Temporal's test server) still accepts additions.
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return Set.of();
      }
      throw e;
    }
  }

  static void ensureRegistered(WorkflowServiceStubs service, String namespace) {
    OperatorServiceStubs operator = OperatorServiceStubs.newServiceStubs(
        OperatorServiceStubsOptions.newBuilder().setChannel(service.getRawChannel()).validateAndBuildWithDefaults());
    try {
      Set<String> known = known(operator, namespace);
      AddSearchAttributesRequest.Builder add = AddSearchAttributesRequest.newBuilder().setNamespace(namespace);
      for (var key : WorkflowSearchAttributes.ALL) {
        if (!known.contains(key.getName())) {
          add.putSearchAttributes(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
        }
      }
      if (add.getSearchAttributesCount() > 0) {
        operator.blockingStub().addSearchAttributes(add.build());
        log.info("registered search attributes {}", add.getSearchAttributesMap().keySet());
      }
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
        throw e;
      }
    } finally {
      operator.shutdown();
    }
  }
}
