package io.plasmavmc.cli;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import com.google.rpc.PreconditionFailure;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.DeleteImageRequest;
import io.plasmavmc.api.v1.DeleteImageResponse;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.GetImageImportRequest;
import io.plasmavmc.api.v1.GetImageRequest;
import io.plasmavmc.api.v1.Image;
import io.plasmavmc.api.v1.ImageImport;
import io.plasmavmc.api.v1.ImageImportState;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.ImportImageRequest;
import io.plasmavmc.api.v1.ListImagesRequest;
import io.plasmavmc.api.v1.ListImagesResponse;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host's image store with canned answers: debian-12 (used by web and db) and alpine. An import
 * runs for two polls, then is done; one named "broken" fails; one named "debian-12" is there already.
 */
final class FakeImageService extends ImageServiceGrpc.ImageServiceImplBase {
  volatile ImportImageRequest imported;
  volatile ListImagesRequest listed;
  private final AtomicInteger polls = new AtomicInteger();

  static Image image(String name, String... usedBy) {
    return Image.newBuilder().setName(name).setHostId("h1").setFormat(DiskFormat.DISK_FORMAT_QCOW2).setVirtualSizeBytes(2L << 30)
        .setSizeOnDiskBytes(432_324_608L).setSha256("3f1c9a0e5d2b" + "0".repeat(52)).setModifiedAt(Timestamp.newBuilder().setSeconds(1_796_119_200L))
        .addAllUsedBy(List.of(usedBy)).build();
  }

  @Override
  public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> answer) {
    listed = request;
    FakeVmService.reply(answer, ListImagesResponse.newBuilder().addImages(image("alpine")).addImages(image("debian-12", "web", "db")).build());
  }

  @Override
  public void getImage(GetImageRequest request, StreamObserver<Image> answer) {
    if (request.getName().equals("missing")) {
      answer.onError(FakeVmService.failure(Status.Code.NOT_FOUND, "no image missing on host h1", "IMAGE_NOT_FOUND", null));
      return;
    }
    FakeVmService.reply(answer, image(request.getName(), "web", "db"));
  }

  @Override
  public void importImage(ImportImageRequest request, StreamObserver<ImageImport> answer) {
    imported = request;
    if (request.getName().equals("debian-12")) {
      answer.onError(FakeVmService.failure(Status.Code.ALREADY_EXISTS, "image debian-12 exists already on host h1", "IMAGE_EXISTS", null));
      return;
    }
    FakeVmService.reply(answer, ImageImport.newBuilder().setName(request.getName()).setHostId("h1")
        .setState(ImageImportState.IMAGE_IMPORT_STATE_RUNNING).setPhase("starting").build());
  }

  @Override
  public void getImageImport(GetImageImportRequest request, StreamObserver<ImageImport> answer) {
    ImageImport.Builder now = ImageImport.newBuilder().setName(request.getName()).setHostId("h1");
    int poll = polls.incrementAndGet();
    if (request.getName().equals("broken")) {
      now.setState(ImageImportState.IMAGE_IMPORT_STATE_FAILED).setReason("source: not a disk image qemu-img can read");
    } else if (poll <= 2) {
      now.setState(ImageImportState.IMAGE_IMPORT_STATE_RUNNING).setPhase("converting").setDoneBytes(poll * (1L << 30))
          .setTotalBytes(2L << 30);
    } else {
      now.setState(ImageImportState.IMAGE_IMPORT_STATE_DONE).setPhase("done").setImage(image(request.getName()));
    }
    FakeVmService.reply(answer, now.build());
  }

  @Override
  public void deleteImage(DeleteImageRequest request, StreamObserver<DeleteImageResponse> answer) {
    if (request.getName().equals("debian-12")) {
      answer.onError(FakeVmService.failure(Status.Code.FAILED_PRECONDITION, "image debian-12 on host h1 backs the disks of VMs web, db: "
          + "delete them first (or recreate them from another image)", "IMAGE_IN_USE", Any.pack(PreconditionFailure.newBuilder()
          .addViolations(PreconditionFailure.Violation.newBuilder().setType("IMAGE_IN_USE").setSubject("hosts/h1/images/debian-12")
              .setDescription("used by VMs web, db")).build())));
      return;
    }
    FakeVmService.reply(answer, DeleteImageResponse.getDefaultInstance());
  }
}
