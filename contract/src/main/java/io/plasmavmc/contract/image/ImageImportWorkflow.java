package io.plasmavmc.contract.image;

import io.plasmavmc.contract.spec.DiskFormat;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * One image import on one host, durable: it survives the crash of any process, and the Temporal
 * UI shows it. Id {@link #workflowId}: a second import of the same name on the same host joins
 * the first.
 */
@WorkflowInterface
public interface ImageImportWorkflow {
  @WorkflowMethod
  ImageInfo importImage(String hostId, String name, String source, DiskFormat convertTo, Duration hostTaskTimeout);

  /** How far it has come (the host's last heartbeat); phase "done" once the image is there. */
  @QueryMethod
  ImportProgress progress();

  static String workflowId(String hostId, String name) {
    return "image-import-" + hostId + "-" + name;
  }
}
