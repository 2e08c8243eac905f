package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.StatusDetails.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.plasmavmc.api.v1.DeleteImageRequest;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.GetImageImportRequest;
import io.plasmavmc.api.v1.GetImageRequest;
import io.plasmavmc.api.v1.Image;
import io.plasmavmc.api.v1.ImageImport;
import io.plasmavmc.api.v1.ImageImportState;
import io.plasmavmc.api.v1.ImageServiceGrpc;
import io.plasmavmc.api.v1.ImportImageRequest;
import io.plasmavmc.api.v1.ListImagesRequest;
import io.plasmavmc.contract.TaskQueues;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ImageService over gRPC, through Temporal's test server, on fake image workflows: what a client gets for each call. */
class ImageServiceTest {
  private TestWorkflowEnvironment temporal;
  private Server server;
  private ManagedChannel channel;
  private ImageServiceGrpc.ImageServiceBlockingStub images;

  @BeforeEach
  void start() throws IOException {
    FakeImageWorkflows.reset();
    // Real time: an import runs until the test releases it, and heartbeats meanwhile.
    temporal = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = temporal.newWorker(TaskQueues.CONTROL);
    worker.registerWorkflowImplementationTypes(FakeImageWorkflows.Store.class, FakeImageWorkflows.Import.class);
    worker.registerActivitiesImplementations(new FakeImageWorkflows.Host());
    temporal.start();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(new ImageService(new ImageStore(temporal.getWorkflowClient(), Duration.ofSeconds(5)), "h1")).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    images = ImageServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    temporal.close();
  }

  private ImageImport importOf(String name) {
    return images.getImageImport(GetImageImportRequest.newBuilder().setName(name).build());
  }

  @Test
  void anImportAnswersAtOnceIsJoinedWhenRepeatedAndEndsWithTheImage() throws InterruptedException {
    ImportImageRequest request = ImportImageRequest.newBuilder().setName("debian-12").setSource("debian-12.raw")
        .setConvertTo(DiskFormat.DISK_FORMAT_QCOW2).build();
    ImageImport started = images.importImage(request);
    assertEquals(ImageImportState.IMAGE_IMPORT_STATE_RUNNING, started.getState());
    assertEquals("h1", started.getHostId(), "the gateway's default host");

    // How far: the import activity's last heartbeat, which only describing the workflow shows.
    ImageImport running = await(() -> importOf("debian-12"), found -> found.getPhase().equals("converting"));
    assertEquals(ImageImportState.IMAGE_IMPORT_STATE_RUNNING, running.getState());
    assertEquals(50, running.getDoneBytes());
    assertEquals(100, running.getTotalBytes());

    assertEquals(ImageImportState.IMAGE_IMPORT_STATE_RUNNING, images.importImage(request).getState(), "joined");
    FakeImageWorkflows.RELEASED.set(true);
    ImageImport done = await(() -> importOf("debian-12"), found -> found.getState() != ImageImportState.IMAGE_IMPORT_STATE_RUNNING);
    assertEquals(ImageImportState.IMAGE_IMPORT_STATE_DONE, done.getState());
    assertEquals("debian-12", done.getImage().getName());
    assertEquals("done", done.getPhase());
    assertEquals(1, FakeImageWorkflows.IMPORTS_STARTED.get(), "the repeated call joined the running import");

    StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> images.importImage(request));
    assertEquals(Status.Code.ALREADY_EXISTS, again.getStatus().getCode());
    assertEquals("IMAGE_EXISTS", reason(again));
  }

  @Test
  void aFailedImportSaysWhyInTheGatewaysWords() throws InterruptedException {
    images.importImage(ImportImageRequest.newBuilder().setName("dup").setSource("exists.raw").build());
    ImageImport failed = await(() -> importOf("dup"), found -> found.getState() != ImageImportState.IMAGE_IMPORT_STATE_RUNNING);
    assertEquals(ImageImportState.IMAGE_IMPORT_STATE_FAILED, failed.getState());
    assertEquals("image dup exists already on host h1", failed.getReason());

    images.importImage(ImportImageRequest.newBuilder().setName("broken").setSource("broken.raw").build());
    ImageImport broken = await(() -> importOf("broken"), found -> found.getState() != ImageImportState.IMAGE_IMPORT_STATE_RUNNING);
    assertTrue(broken.getReason().startsWith("the import failed on the host: internal error (error "), broken.getReason());
    assertFalse(broken.getReason().contains("/var/lib"), broken.getReason());

    StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> importOf("never-imported"));
    assertEquals(Status.Code.NOT_FOUND, none.getStatus().getCode());
    assertEquals("IMPORT_NOT_FOUND", reason(none));
  }

  @Test
  void imagesAreListedReadAndDeletedButNotWhileAVmUsesThem() {
    FakeImageWorkflows.IMAGES.put("alpine", FakeImageWorkflows.image("alpine"));
    FakeImageWorkflows.IMAGES.put("debian-12", FakeImageWorkflows.image("debian-12", "web", "db"));
    List<Image> listed = images.listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
    assertEquals(List.of("alpine", "debian-12"), listed.stream().map(Image::getName).toList());
    Image debian = images.getImage(GetImageRequest.newBuilder().setName("debian-12").build());
    assertEquals(List.of("web", "db"), debian.getUsedByList());
    assertEquals(DiskFormat.DISK_FORMAT_QCOW2, debian.getFormat());
    assertEquals("h1", debian.getHostId());
    assertEquals(2L << 30, debian.getVirtualSizeBytes());

    StatusRuntimeException inUse = assertThrows(StatusRuntimeException.class,
        () -> images.deleteImage(DeleteImageRequest.newBuilder().setName("debian-12").build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, inUse.getStatus().getCode());
    assertEquals("IMAGE_IN_USE", reason(inUse));
    assertTrue(inUse.getStatus().getDescription().contains("VMs web, db"), inUse.getStatus().getDescription());

    images.deleteImage(DeleteImageRequest.newBuilder().setName("alpine").build());
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
        () -> images.getImage(GetImageRequest.newBuilder().setName("alpine").build()));
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    assertEquals("IMAGE_NOT_FOUND", reason(gone));
    assertEquals("no image alpine on host h1", gone.getStatus().getDescription());
    StatusRuntimeException deletedTwice = assertThrows(StatusRuntimeException.class,
        () -> images.deleteImage(DeleteImageRequest.newBuilder().setName("alpine").build()));
    assertEquals(Status.Code.NOT_FOUND, deletedTwice.getStatus().getCode());
  }

  @Test
  void badRequestsAreRefusedNamingTheFieldBeforeAnyWorkflowStarts() {
    List<Runnable> calls = List.of(
        () -> images.getImage(GetImageRequest.newBuilder().setName("../etc").build()),
        () -> images.importImage(ImportImageRequest.newBuilder().setName("ok").setSource("../../etc/shadow").build()),
        () -> images.importImage(ImportImageRequest.newBuilder().setName("ok").setSource("/etc/shadow").build()),
        () -> images.importImage(ImportImageRequest.newBuilder().setName("ok").setSource("a.raw").setConvertToValue(7)
            .build()),
        () -> images.listImages(ListImagesRequest.newBuilder().setHostId("h1,x").build()),
        () -> images.deleteImage(DeleteImageRequest.newBuilder().build()));
    List<String> fields = List.of("name", "source", "source", "convert_to", "host_id", "name");
    for (int i = 0; i < calls.size(); i++) {
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, calls.get(i)::run);
      assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
      assertTrue(refused.getStatus().getDescription().startsWith(fields.get(i) + ": "), refused.getStatus().getDescription());
    }
    assertEquals(0, FakeImageWorkflows.IMPORTS_STARTED.get());
  }

  private static <T> T await(Supplier<T> read, Predicate<T> done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    T value = read.get();
    while (!done.test(value)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("still " + value);
      }
      Thread.sleep(50);
      value = read.get();
    }
    return value;
  }
}
