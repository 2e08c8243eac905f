package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.DeleteImageRequest;
import io.plasmavmc.api.v1.DeleteImageResponse;
import io.plasmavmc.api.v1.GetImageImportRequest;
import io.plasmavmc.api.v1.GetImageRequest;
import io.plasmavmc.api.v1.Image;
import io.plasmavmc.api.v1.ImageImport;
import io.plasmavmc.api.v1.ImageImportState;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.ImportImageRequest;
import io.plasmavmc.api.v1.ListImagesRequest;
import io.plasmavmc.api.v1.ListImagesResponse;
import io.plasmavmc.contract.spec.DiskFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** plasmavmc.v1.ImageService: checks each request, then asks the host's image store through its workflows. */
final class ImageService extends ImageServiceGrpc.ImageServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ImageService.class);

  private final ImageStore store;
  private final String defaultHostId;

  ImageService(ImageStore store, String defaultHostId) {
    this.store = store;
    this.defaultHostId = defaultHostId;
  }

  @Override
  public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> response) {
    UnaryCalls.answer(log, "ListImages", request.getHostId(), response, error -> true, () -> {
      String hostId = ImageRequests.host(request.getHostId(), defaultHostId);
      ListImagesResponse.Builder list = ListImagesResponse.newBuilder();
      store.list(hostId).forEach(image -> list.addImages(ImageMapping.toProto(hostId, image)));
      return list.build();
    });
  }

  @Override
  public void getImage(GetImageRequest request, StreamObserver<Image> response) {
    UnaryCalls.answer(log, "GetImage", request.getName(), response, error -> error.getStatus().getCode() != Status.Code.NOT_FOUND, () -> {
      String name = ImageRequests.name(request.getName());
      String hostId = ImageRequests.host(request.getHostId(), defaultHostId);
      return ImageMapping.toProto(hostId, store.get(hostId, name));
    });
  }

  /** Answers at once, RUNNING: the import is a workflow of its own, which GetImageImport follows. */
  @Override
  public void importImage(ImportImageRequest request, StreamObserver<ImageImport> response) {
    UnaryCalls.answer(log, "ImportImage", request.getName(), response, error -> true, () -> {
      String name = ImageRequests.name(request.getName());
      String source = ImageRequests.source(request.getSource());
      DiskFormat convertTo = ImageRequests.convertTo(request.getConvertTo());
      String hostId = ImageRequests.host(request.getHostId(), defaultHostId);
      store.startImport(hostId, name, source, convertTo);
      log.info("ImportImage {}: importing {} on host {}{}", name, source, hostId, convertTo == null ? "" : " as " + convertTo.qemuDriver());
      return ImageImport.newBuilder().setName(name).setHostId(hostId).setState(ImageImportState.IMAGE_IMPORT_STATE_RUNNING)
          .setPhase("starting").build();
    });
  }

  @Override
  public void getImageImport(GetImageImportRequest request, StreamObserver<ImageImport> response) {
    UnaryCalls.answer(log, "GetImageImport", request.getName(), response, error -> error.getStatus().getCode() != Status.Code.NOT_FOUND,
        () -> {
          String name = ImageRequests.name(request.getName());
          String hostId = ImageRequests.host(request.getHostId(), defaultHostId);
          return ImageMapping.toProto(hostId, name, store.importOf(hostId, name));
        });
  }

  @Override
  public void deleteImage(DeleteImageRequest request, StreamObserver<DeleteImageResponse> response) {
    UnaryCalls.answer(log, "DeleteImage", request.getName(), response, error -> true, () -> {
      String name = ImageRequests.name(request.getName());
      String hostId = ImageRequests.host(request.getHostId(), defaultHostId);
      store.delete(hostId, name);
      log.info("DeleteImage {}: deleted on host {}", name, hostId);
      return DeleteImageResponse.getDefaultInstance();
    });
  }
}
