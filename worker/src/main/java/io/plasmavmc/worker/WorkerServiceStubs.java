package io.plasmavmc.worker;

import io.plasmavmc.support.TemporalConnection;
import io.temporal.serviceclient.WorkflowServiceStubs;

/** The connection a host worker opens to Temporal, with its sticky-queue policy (see {@link StickyQueueFilter}). */
public final class WorkerServiceStubs {
  private WorkerServiceStubs() {}

  public static WorkflowServiceStubs connect(String target, StickyQueueFilter.Mode stickyQueues) {
    return connect(TemporalConnection.plain(target), stickyQueues);
  }

  public static WorkflowServiceStubs connect(TemporalConnection connection, StickyQueueFilter.Mode stickyQueues) {
    return connect(connection, stickyQueues, null);
  }

  /** The same, reporting the Temporal SDK's metrics to {@code registry}. */
  public static WorkflowServiceStubs connect(TemporalConnection connection, StickyQueueFilter.Mode stickyQueues,
      io.micrometer.core.instrument.MeterRegistry registry) {
    return WorkflowServiceStubs.newServiceStubs(connection.stubOptions(registry)
        .addGrpcClientInterceptor(new StickyQueueFilter(stickyQueues))
        .build());
  }
}
