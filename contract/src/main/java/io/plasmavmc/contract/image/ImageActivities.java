package io.plasmavmc.contract.image;

import io.plasmavmc.contract.spec.DiskFormat;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import java.util.List;

/**
 * A host's image store: base images (qcow2 or raw) that VMs' disks are copy-on-write overlays of.
 * Images are named files of the store; a name is never a path. Every method is idempotent.
 */
@ActivityInterface(namePrefix = "Image")
public interface ImageActivities {
  /** Every image of the store, by name. */
  @ActivityMethod
  List<ImageInfo> listImages();

  /** The image {@code name}; fails IMAGE_NOT_FOUND. */
  @ActivityMethod
  ImageInfo getImage(String name);

  /**
   * Imports {@code source}, a file name relative to the host's import directory (nothing outside
   * it), as image {@code name}: copied, or converted to {@code convertTo} (null: kept in its own
   * format, which qemu-img tells), into a temporary file that becomes the image only once
   * complete. Heartbeats its progress (an {@link ImportProgress}). Retried after a crash it starts
   * the copy again; an image {@code name} already imported from the same source with the same
   * checksum is success, another one IMAGE_EXISTS.
   */
  @ActivityMethod
  ImageInfo importImage(String name, String source, DiskFormat convertTo);

  /** Deletes image {@code name}; refused (IMAGE_IN_USE) while a VM's disk is an overlay of it. A missing image is success. */
  @ActivityMethod
  void deleteImage(String name);
}
