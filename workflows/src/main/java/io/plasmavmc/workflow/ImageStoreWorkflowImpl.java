package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.image.ImageActivities;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImageStoreWorkflow;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;

/**
 * One look at or deletion in a host's image store: one host activity on the host's queue, failing
 * as host-unreachable when no worker of the host picks it up within {@code hostTaskTimeout}; the
 * host's image reasons (not found, in use) pass through for the gateway to map.
 */
public class ImageStoreWorkflowImpl implements ImageStoreWorkflow {
  @Override
  public List<ImageInfo> run(String hostId, Action action, String name, Duration hostTaskTimeout) {
    if (action == null) {
      throw ApplicationFailure.newNonRetryableFailure("action: must be LIST, GET or DELETE", FailureReasons.INVALID_SPEC);
    }
    String summary = switch (action) {
      case LIST -> "list the images of host " + hostId;
      case GET -> "look at image " + name + " on host " + hostId;
      case DELETE -> "delete image " + name + " on host " + hostId;
    };
    ImageActivities store = Workflow.newActivityStub(ImageActivities.class, HostActivityOptions.imageStore(hostId, hostTaskTimeout, summary));
    try {
      return switch (action) {
        case LIST -> store.listImages();
        case GET -> List.of(store.getImage(name));
        case DELETE -> {
          store.deleteImage(name);
          yield List.of();
        }
      };
    } catch (ActivityFailure failure) {
      throw VmFailures.fromActivity(failure, hostId);
    }
  }
}
