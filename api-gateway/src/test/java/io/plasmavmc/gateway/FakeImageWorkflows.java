package io.plasmavmc.gateway;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.image.ImageImportWorkflow;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImageStoreWorkflow;
import io.plasmavmc.contract.image.ImportProgress;
import io.plasmavmc.contract.spec.DiskFormat;
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
 * A host's image store as the gateway sees it through Temporal: the two image workflows, faked on
 * a store kept in memory. They fail as the real ones do (an ApplicationFailure of a contract
 * reason, whose message may name the host's files), and an import runs until the test releases it.
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

  /** Source "exists.raw" fails IMAGE_EXISTS, "broken.raw" fails as nothing foreseen; any other imports once released. */
  public static final class Import implements ImageImportWorkflow {
    private ImportProgress progress = new ImportProgress("copying", 0, 100);

    @Override
    public ImageInfo importImage(String hostId, String name, String source, DiskFormat convertTo, Duration hostTaskTimeout) {
      IMPORTS_STARTED.incrementAndGet();
      if (source.equals("exists.raw")) {
        throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, FailureReasons.IMAGE_EXISTS);
      }
      if (source.equals("broken.raw")) {
        throw ApplicationFailure.newNonRetryableFailure(HOST_TEXT, "java.io.IOException");
      }
      progress = new ImportProgress(convertTo == null ? "copying" : "converting", 50, 100);
      while (!RELEASED.get()) {
        Workflow.sleep(Duration.ofMillis(50));
      }
      ImageInfo image = image(name);
      IMAGES.put(name, image);
      progress = new ImportProgress("done", 100, 100);
      return image;
    }

    @Override
    public ImportProgress progress() {
      return progress;
    }
  }
}
