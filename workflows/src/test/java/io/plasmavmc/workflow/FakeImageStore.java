package io.plasmavmc.workflow;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.image.ImageActivities;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImportProgress;
import io.plasmavmc.contract.spec.DiskFormat;
import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory image store for the image workflows' tests: images by name, the VMs that use them, imports that wait to be let through. */
final class FakeImageStore implements ImageActivities {
  private final Map<String, ImageInfo> images = new ConcurrentSkipListMap<>();
  /** Imports wait for this before they complete (heartbeating their progress), at most a few seconds of real time. */
  volatile CountDownLatch importsMayEnd = new CountDownLatch(0);
  final Semaphore importStarted = new Semaphore(0);
  final AtomicInteger imports = new AtomicInteger();
  /** The next import attempts that fail as a worker that died mid-copy does (retried). */
  final AtomicInteger importAttemptsLost = new AtomicInteger();

  void add(String name, String... usedBy) {
    images.put(name, image(name, DiskFormat.QCOW2, List.of(usedBy)));
  }

  private static ImageInfo image(String name, DiskFormat format, List<String> usedBy) {
    return new ImageInfo(name, format, 2L << 30, 300L << 20, "ab".repeat(32), Instant.parse("2026-01-01T00:00:00Z"), usedBy);
  }

  @Override
  public List<ImageInfo> listImages() {
    return List.copyOf(images.values());
  }

  @Override
  public ImageInfo getImage(String name) {
    ImageInfo image = images.get(name);
    if (image == null) {
      throw ApplicationFailure.newNonRetryableFailure("no image " + name + " in the image store", FailureReasons.IMAGE_NOT_FOUND);
    }
    return image;
  }

  @Override
  public ImageInfo importImage(String name, String source, DiskFormat convertTo) {
    imports.incrementAndGet();
    importStarted.release();
    if (importAttemptsLost.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw ApplicationFailure.newFailure("the worker died while copying " + source + " (fake)", "WorkerLost");
    }
    if (images.containsKey(name)) {
      throw ApplicationFailure.newNonRetryableFailure("image " + name + " exists, from another source", FailureReasons.IMAGE_EXISTS);
    }
    try {
      for (int i = 0; i < 500 && !importsMayEnd.await(10, TimeUnit.MILLISECONDS); i++) {
        Activity.getExecutionContext().heartbeat(new ImportProgress("copying", i, 500));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ImageInfo imported = image(name, convertTo == null ? DiskFormat.RAW : convertTo, List.of());
    images.put(name, imported);
    return imported;
  }

  @Override
  public void deleteImage(String name) {
    ImageInfo image = images.get(name);
    if (image != null && !image.usedBy().isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("image " + name + " backs the disks of " + image.usedBy(), FailureReasons.IMAGE_IN_USE);
    }
    images.remove(name);
  }
}
