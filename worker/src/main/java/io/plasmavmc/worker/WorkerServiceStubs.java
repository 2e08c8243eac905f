package io.plasmavmc.worker;

import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;

/** The connection a host worker opens to Temporal, with its sticky-queue policy (see {@link StickyQueueFilter}). */
public final class WorkerServiceStubs {
  private WorkerServiceStubs() {}

  public static WorkflowServiceStubs connect(String target, StickyQueueFilter.Mode stickyQueues) {
    return WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder()
        .setTarget(target)
        .addGrpcClientInterceptor(new StickyQueueFilter(stickyQueues))
        .build());
  }
}
