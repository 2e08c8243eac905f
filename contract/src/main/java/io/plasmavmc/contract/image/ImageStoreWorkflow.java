package io.plasmavmc.contract.image;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;

/**
 * One short look at or change of a host's image store (list, get, delete): one host activity,
 * bounded by the host's timeout like every operation, visible in the Temporal UI.
 */
@WorkflowInterface
public interface ImageStoreWorkflow {
  enum Action { LIST, GET, DELETE }

  /** The images listed (LIST), the one asked for (GET), or none (DELETE). */
  @WorkflowMethod
  List<ImageInfo> run(String hostId, Action action, String name, Duration hostTaskTimeout);

  static String workflowId(String hostId, String requestId) {
    return "image-store-" + hostId + "-" + requestId;
  }
}
