package io.plasmavmc.contract.image;

import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.spec.DiskFormat;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The way to a host's image store from outside the workflows, as {@link
 * io.plasmavmc.contract.VmWorkflowClient} is to a VM: each look at or change of the store (list,
 * get, delete) is a short {@link ImageStoreWorkflow}, each import an {@link ImageImportWorkflow}
 * followed through its query and result. Temporal's own exceptions pass through; each caller maps
 * them to its own vocabulary.
 */
public final class ImageStoreClient {
  private final WorkflowClient client;
  private final Duration hostTaskTimeout;

  public ImageStoreClient(WorkflowClient client, Duration hostTaskTimeout) {
    this.client = client;
    this.hostTaskTimeout = hostTaskTimeout;
  }

  public List<ImageInfo> list(String hostId) {
    return store(hostId, "list the images of host `" + hostId + "`").run(hostId, ImageStoreWorkflow.Action.LIST, null, hostTaskTimeout);
  }

  /** Image {@code name}; the workflow fails IMAGE_NOT_FOUND when there is none. */
  public ImageInfo get(String hostId, String name) {
    return store(hostId, "look at image **" + name + "** on host `" + hostId + "`")
        .run(hostId, ImageStoreWorkflow.Action.GET, name, hostTaskTimeout).get(0);
  }

  /** Deletes image {@code name}; the workflow fails IMAGE_IN_USE while a VM's disk is an overlay of it. */
  public void delete(String hostId, String name) {
    store(hostId, "delete image **" + name + "** on host `" + hostId + "`").run(hostId, ImageStoreWorkflow.Action.DELETE, name,
        hostTaskTimeout);
  }

  /**
   * Starts importing {@code source} as image {@code name} on {@code hostId} ({@code convertTo}
   * null: the source's own format). An import of that name running on that host is joined
   * instead; an ended one's id is free again (a deleted image can be imported anew).
   */
  public void startImport(String hostId, String name, String source, DiskFormat convertTo) {
    ImageImportWorkflow importing = client.newWorkflowStub(ImageImportWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(ImageImportWorkflow.workflowId(hostId, name))
        .setTaskQueue(TaskQueues.CONTROL)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setWorkflowIdConflictPolicy(WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
        .setStaticSummary("import image **" + name + "** on host `" + hostId + "` from `" + source + "`"
            + (convertTo == null ? "" : ", converted to " + convertTo.qemuDriver()))
        .build());
    WorkflowClient.start(importing::importImage, hostId, name, source, convertTo, hostTaskTimeout);
  }

  /**
   * The latest import of image {@code name} on {@code hostId}: its progress query, and through
   * {@code WorkflowStub.fromTyped} its description (running or ended) and result or failure.
   */
  public ImageImportWorkflow importOf(String hostId, String name) {
    return client.newWorkflowStub(ImageImportWorkflow.class, ImageImportWorkflow.workflowId(hostId, name));
  }

  /** A short workflow of one host activity, bounded by the host's timeout like every operation. */
  private ImageStoreWorkflow store(String hostId, String summary) {
    return client.newWorkflowStub(ImageStoreWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(ImageStoreWorkflow.workflowId(hostId, UUID.randomUUID().toString()))
        .setTaskQueue(TaskQueues.CONTROL)
        .setWorkflowExecutionTimeout(hostTaskTimeout.plusSeconds(60))
        .setStaticSummary(summary)
        .build());
  }
}
