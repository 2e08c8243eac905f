package io.plasmavmc.gateway;

import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.Image;
import io.plasmavmc.api.v1.ImageImport;
import io.plasmavmc.api.v1.ImageImportState;
import io.plasmavmc.contract.image.ImageInfo;

/** A host's images and imports as the wire's plasmavmc.v1.Image and ImageImport. */
final class ImageMapping {
  private ImageMapping() {}

  static Image toProto(String hostId, ImageInfo info) {
    Image.Builder image = Image.newBuilder()
        .setName(info.name())
        .setHostId(hostId)
        .setFormat(info.format() == null ? DiskFormat.DISK_FORMAT_UNSPECIFIED
            : info.format() == io.plasmavmc.contract.spec.DiskFormat.QCOW2 ? DiskFormat.DISK_FORMAT_QCOW2 : DiskFormat.DISK_FORMAT_RAW)
        .setVirtualSizeBytes(info.virtualSizeBytes())
        .setSizeOnDiskBytes(info.sizeOnDiskBytes())
        .setSha256(info.sha256() == null ? "" : info.sha256())
        .addAllUsedBy(info.usedBy());
    if (info.modifiedAt() != null) {
      image.setModifiedAt(VmMapping.timestamp(info.modifiedAt()));
    }
    return image.build();
  }

  static ImageImport toProto(String hostId, String name, ImageStore.Import found) {
    ImageImport.Builder wire = ImageImport.newBuilder().setName(name).setHostId(hostId).setState(switch (found.state()) {
      case RUNNING -> ImageImportState.IMAGE_IMPORT_STATE_RUNNING;
      case DONE -> ImageImportState.IMAGE_IMPORT_STATE_DONE;
      case FAILED -> ImageImportState.IMAGE_IMPORT_STATE_FAILED;
    });
    if (found.progress() != null) {
      wire.setPhase(found.progress().phase()).setDoneBytes(found.progress().doneBytes()).setTotalBytes(found.progress().totalBytes());
    }
    if (found.image() != null) {
      wire.setImage(toProto(hostId, found.image()));
    }
    if (found.reason() != null) {
      wire.setReason(found.reason());
    }
    return wire.build();
  }
}
