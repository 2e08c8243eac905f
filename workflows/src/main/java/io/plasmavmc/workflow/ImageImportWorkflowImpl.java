package io.plasmavmc.workflow;

import io.plasmavmc.contract.image.ImageActivities;
import io.plasmavmc.contract.image.ImageImportWorkflow;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImportProgress;
import io.plasmavmc.contract.spec.DiskFormat;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * One image import on one host: the host's importImage activity, heartbeated, retried on the
 * host's next worker if its worker dies. Workflow code cannot read an activity's heartbeats, so
 * {@link #progress()} knows the phases the workflow sees: "importing" until the activity ends,
 * then "done" (with the image's size) or "failed". How far the copy has come is the import
 * activity's last heartbeat ({@link ImportProgress}), which describing this workflow shows among
 * its pending activities.
 */
public class ImageImportWorkflowImpl implements ImageImportWorkflow {
  static final String IMPORTING = "importing";
  static final String DONE = "done";
  static final String FAILED = "failed";

  private ImportProgress progress = new ImportProgress(IMPORTING, 0, 0);

  @Override
  public ImageInfo importImage(String hostId, String name, String source, DiskFormat convertTo, Duration hostTaskTimeout) {
    String what = "import " + source + " as image " + name + (convertTo == null ? "" : " in " + convertTo.qemuDriver()) + " on host " + hostId;
    Workflow.setCurrentDetails(what + ": " + IMPORTING);
    ImageActivities store = Workflow.newActivityStub(ImageActivities.class, HostActivityOptions.imageImport(hostId, hostTaskTimeout, what));
    try {
      ImageInfo image = store.importImage(name, source, convertTo);
      progress = new ImportProgress(DONE, image.sizeOnDiskBytes(), image.sizeOnDiskBytes());
      Workflow.setCurrentDetails(what + ": " + DONE + ", " + image.format() + ", " + image.virtualSizeBytes() + " bytes for the guest, "
          + image.sizeOnDiskBytes() + " on disk, sha256 " + image.sha256());
      return image;
    } catch (ActivityFailure failure) {
      ApplicationFailure translated = VmFailures.fromActivity(failure, hostId);
      progress = new ImportProgress(FAILED, 0, 0);
      Workflow.setCurrentDetails(what + ": " + FAILED + ": " + translated.getOriginalMessage());
      throw translated;
    }
  }

  @Override
  public ImportProgress progress() {
    return progress;
  }
}
