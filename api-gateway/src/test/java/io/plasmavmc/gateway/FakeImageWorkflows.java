package io.plasmavmc.gateway;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.image.ImageActivities;
import io.plasmavmc.contract.image.ImageImportWorkflow;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImageStoreWorkflow;
import io.plasmavmc.contract.image.ImportProgress;
import io.plasmavmc.contract.spec.DiskFormat;
import io.temporal.activity.Activity;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A host's image store as the gateway sees it through Temporal: the two image workflows and the
 * import activity, faked on a store kept in memory. They fail as the real ones do (an
 * ApplicationFailure of a contract reason, whose message may name the host's files), and an import
 * runs until the test releases it.
 */
final class FakeImageWorkflows {
  static final String HOST_TEXT = "/var/lib/plasmavmc/images/.import-x: java.io.IOException: disk full";
  static final Map<String, ImageInfo> IMAGES = new ConcurrentHashMap<>();
  static final AtomicBoolean RELEASED = new AtomicBoolean();
  static final AtomicInteger IMPORTS_STARTED = new AtomicInteger();

  private FakeImageWorkflows() {}

  static void reset() {
    IMAGES.clear();
    RELEASED.set(false);
    IMPORTS_STARTED.set(0);
  }

  static ImageInfo image(String name, String... usedBy) {
    return new ImageInfo(name, DiskFormat.QCOW2, 2L << 30, 412L << 20, "3f1c9a0e".repeat(8), Instant.parse("2026-12-01T10:00:00Z"),
        List.of(usedBy));
  }

  public static final class Store implements ImageStoreWorkflow {
    @Override
    public List<ImageInfo> run(String hostId, Action action, String name, Duration hostTaskTimeout) {
      ImageInfo image = IMAGES.get(name == null ? "" : name);
      return switch (action) {
        case LIST -> IMAGES.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
        case GET -> {
          if (image == null) {
            throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, FailureReasons.IMAGE_NOT_FOUND);
          }
          yield List.of(image);
        }
        case DELETE -> {
          if (image != null && !image.usedBy().isEmpty()) {
            throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, FailureReasons.IMAGE_IN_USE);
          }
          IMAGES.remove(name);
          yield List.of();
        }
      };
    }
  }

  /**
   * The import as the real workflow runs it: the host's import activity, whose heartbeats say how
   * far it has come; the workflow's own query knows only that it is importing.
   */
  public static final class Import implements ImageImportWorkflow {
    @Override
    public ImageInfo importImage(String hostId, String name, String source, DiskFormat convertTo, Duration hostTaskTimeout) {
      ImageActivities host = Workflow.newActivityStub(ImageActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1)).setHeartbeatTimeout(Duration.ofSeconds(10))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build()).build());
      return host.importImage(name, source, convertTo);
    }

    @Override
    public ImportProgress progress() {
      return new ImportProgress("importing", 0, 0);
    }
  }

  /** Source "exists.raw" fails IMAGE_EXISTS, "broken.raw" fails as nothing foreseen; any other heartbeats half done until released. */
  public static final class Host implements ImageActivities {
    @Override
    public ImageInfo importImage(String name, String source, DiskFormat convertTo) {
      IMPORTS_STARTED.incrementAndGet();
      if (source.equals("exists.raw")) {
        throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, FailureReasons.IMAGE_EXISTS);
      }
      if (source.equals("broken.raw")) {
        throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, "java.io.IOException");
      }
      while (!RELEASED.get()) {
        Activity.getExecutionContext().heartbeat(new ImportProgress(convertTo == null ? "copying" : "converting", 50, 100));
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      ImageInfo image = image(name);
      IMAGES.put(name, image);
      return image;
    }

    @Override
    public List<ImageInfo> listImages() {
      throw new UnsupportedOperationException("the fake store workflow answers itself");
    }

    @Override
    public ImageInfo getImage(String name) {
      throw new UnsupportedOperationException("the fake store workflow answers itself");
    }

    @Override
    public void deleteImage(String name) {
      throw new UnsupportedOperationException("the fake store workflow answers itself");
    }
  }
}
