package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImageStoreClient;
import io.plasmavmc.contract.image.ImportProgress;
import io.plasmavmc.contract.spec.DiskFormat;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowStub;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DataConverterException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The gateway's way to the hosts' image stores: their workflows, through the Temporal client; every failure leaves as a gRPC status. */
final class ImageStore {
  /** An import as it stands: running with its progress, done with its image, or failed with why. */
  record Import(State state, ImportProgress progress, ImageInfo image, String reason) {
    enum State { RUNNING, DONE, FAILED }
  }

  private final ImageStoreClient images;
  private final DataConverter converter;

  ImageStore(WorkflowClient client, Duration hostTaskTimeout) {
    this.images = new ImageStoreClient(client, hostTaskTimeout);
    this.converter = client.getOptions().getDataConverter();
  }

  List<ImageInfo> list(String hostId) {
    try {
      return images.list(hostId);
    } catch (RuntimeException e) {
      throw ImageFailures.toStatus(hostId, "", e);
    }
  }

  ImageInfo get(String hostId, String name) {
    try {
      return images.get(hostId, name);
    } catch (RuntimeException e) {
      throw ImageFailures.toStatus(hostId, name, e);
    }
  }

  /**
   * Deletes the image: NOT_FOUND when there is none (the host would call that success, a caller
   * who mistyped a name would not), FAILED_PRECONDITION naming the VMs while any uses it.
   */
  void delete(String hostId, String name) {
    ImageInfo image = get(hostId, name);
    if (!image.usedBy().isEmpty()) {
      throw ImageFailures.inUse(hostId, name, image.usedBy());
    }
    try {
      images.delete(hostId, name);
    } catch (RuntimeException e) {
      if (Failures.find(e, FailureReasons.IMAGE_IN_USE) != null) {
        throw ImageFailures.inUse(hostId, name, usersOf(hostId, name)); // a VM came meanwhile: name it
      }
      throw ImageFailures.toStatus(hostId, name, e);
    }
  }

  /**
   * Starts the import, or joins the one of that name running on that host. An image of that name
   * already there is ALREADY_EXISTS at once, rather than a failed import later; asking the host
   * first also answers UNAVAILABLE at once when its worker is gone.
   */
  void startImport(String hostId, String name, String source, DiskFormat convertTo) {
    if (exists(hostId, name)) {
      throw ImageFailures.exists(hostId, name);
    }
    try {
      images.startImport(hostId, name, source, convertTo);
    } catch (RuntimeException e) {
      throw ImageFailures.toStatus(hostId, name, e);
    }
  }

  /** The latest import of that name on that host: NOT_FOUND when there was none (or it ended past Temporal's retention). */
  Import importOf(String hostId, String name) {
    WorkflowStub stub = WorkflowStub.fromTyped(images.importOf(hostId, name));
    WorkflowExecutionDescription description;
    try {
      description = stub.describe();
    } catch (WorkflowNotFoundException e) {
      throw ImageFailures.importNotFound(hostId, name);
    } catch (RuntimeException e) {
      throw notFoundOr(hostId, name, e);
    }
    try {
      return switch (description.getStatus()) {
        case WORKFLOW_EXECUTION_STATUS_RUNNING, WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW ->
            new Import(Import.State.RUNNING, progress(description, hostId, name), null, null);
        case WORKFLOW_EXECUTION_STATUS_COMPLETED -> {
          ImageInfo image = stub.getResult(ImageInfo.class);
          yield new Import(Import.State.DONE, new ImportProgress("done", image.sizeOnDiskBytes(), image.sizeOnDiskBytes()), image, null);
        }
        case WORKFLOW_EXECUTION_STATUS_TERMINATED -> failed("the import was terminated (by an operator, in Temporal)");
        case WORKFLOW_EXECUTION_STATUS_CANCELED -> failed("the import was cancelled");
        case WORKFLOW_EXECUTION_STATUS_TIMED_OUT -> failed("the import timed out");
        default -> failed(reasonOf(stub, hostId, name));
      };
    } catch (RuntimeException e) {
      throw notFoundOr(hostId, name, e);
    }
  }

  /** Why the import failed, from its failure (getResult throws it). */
  private static String reasonOf(WorkflowStub stub, String hostId, String name) {
    try {
      stub.getResult(ImageInfo.class);
      return "the import failed";
    } catch (RuntimeException e) {
      return ImageFailures.importReason(hostId, name, e);
    }
  }

  private boolean exists(String hostId, String name) {
    try {
      get(hostId, name);
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /**
   * How far the import has come: the import activity's last heartbeat, which the workflow itself
   * cannot read (Temporal keeps it with the pending activity); before the first one, the phase the
   * workflow's query knows. A query needs a worker: without one the import still runs, how far is
   * not known.
   */
  private ImportProgress progress(WorkflowExecutionDescription description, String hostId, String name) {
    for (PendingActivityInfo activity : description.getRawDescription().getPendingActivitiesList()) {
      if (activity.hasHeartbeatDetails()) {
        try {
          ImportProgress beat = converter.fromPayloads(0, Optional.of(activity.getHeartbeatDetails()), ImportProgress.class,
              ImportProgress.class);
          if (beat != null) {
            return beat;
          }
        } catch (DataConverterException notProgress) {
          // a heartbeat of another shape: the query below says what it can
        }
      }
    }
    try {
      ImportProgress progress = images.importOf(hostId, name).progress();
      return progress == null ? new ImportProgress("starting", 0, 0) : progress;
    } catch (RuntimeException e) {
      return new ImportProgress("unknown", 0, 0);
    }
  }

  private static Import failed(String reason) {
    return new Import(Import.State.FAILED, null, null, reason);
  }

  private List<String> usersOf(String hostId, String name) {
    try {
      return images.get(hostId, name).usedBy();
    } catch (RuntimeException e) {
      return List.of(); // unnamed then: the message says "a VM"
    }
  }

  private static StatusRuntimeException notFoundOr(String hostId, String name, RuntimeException e) {
    StatusRuntimeException status = Failures.toStatus("", e);
    return status.getStatus().getCode() == Status.Code.NOT_FOUND ? ImageFailures.importNotFound(hostId, name) : status;
  }
}
