package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImportProgress;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.storage.ImageFacts;
import io.plasmavmc.host.storage.ImageStore;
import io.plasmavmc.host.storage.QemuImg;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.host.testing.TestTools;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host's image store through its activities, with real qemu-img: imports (converted, repeated, hostile), facts, deletion. */
class ImageActivitiesTest {
  private static final Path QEMU_IMG = TestTools.require("/usr/bin/qemu-img", "qemu-utils");

  @TempDir Path scratch;
  private HostStorage storage;
  private ImageActivitiesImpl images;

  @BeforeEach
  void setUp() {
    storage = HostStorage.under(scratch);
    images = new ImageActivitiesImpl(HostConfig.of(scratch.resolve("run"), Path.of("/usr/bin/qemu-system-x86_64"), List.of(), false)
        .withStorage(storage));
  }

  @Test
  void anImportConvertsIntoTheStoreReportingHowFarItHasCome() throws Exception {
    Path source = rawSource("disk.raw", 64);
    List<ImportProgress> progress = new ArrayList<>();
    ImageStore store = new ImageStore(storage, new QemuImg(QEMU_IMG, null));
    ImageInfo image = store.importImage("converted", "disk.raw", DiskFormat.QCOW2, progress::add);

    assertEquals(DiskFormat.QCOW2, image.format());
    assertEquals(64L << 20, image.virtualSizeBytes());
    Path file = storage.imageStore().resolve("converted.qcow2");
    assertEquals(ImageFacts.sha256(file, done -> {}), image.sha256());
    assertEquals(Files.getLastModifiedTime(file).toInstant(), image.modifiedAt());
    assertTrue(image.sizeOnDiskBytes() > 0 && image.usedBy().isEmpty(), image.toString());
    assertEquals("converting", progress.get(0).phase());
    assertTrue(progress.stream().anyMatch(p -> p.phase().equals("converting") && p.percent() == 100), progress.toString());
    assertEquals(new ImportProgress("done", Files.size(file), Files.size(file)), progress.get(progress.size() - 1));
    try (var stored = Files.list(storage.imageStore())) {
      assertEquals(List.of(file), stored.filter(f -> !f.getFileName().toString().startsWith(".")).toList(), "no temporary file left");
    }

    // Repeated (a retried activity): the same image. Another source, or this one changed, under that name: refused.
    assertEquals(image, images.importImage("converted", "disk.raw", DiskFormat.QCOW2));
    rawSource("other.raw", 1);
    assertEquals(FailureReasons.IMAGE_EXISTS, reason(() -> images.importImage("converted", "other.raw", DiskFormat.QCOW2)));
    Files.setLastModifiedTime(source, FileTime.fromMillis(0));
    assertEquals(FailureReasons.IMAGE_EXISTS, reason(() -> images.importImage("converted", "disk.raw", DiskFormat.QCOW2)));

    ImageInfo kept = images.importImage("plain", "other.raw", null);
    assertEquals(DiskFormat.RAW, kept.format(), "no conversion asked: kept in the format qemu-img tells");
    assertEquals(List.of("converted", "plain"), images.listImages().stream().map(ImageInfo::name).toList());
  }

  @Test
  void anImportRetriedAfterACrashStartsAgainFromTheSource() throws Exception {
    Path source = rawSource("disk.raw", 1);
    Files.createDirectories(storage.imageStore());
    Files.writeString(storage.imageStore().resolve(".import-img.raw.tmp"), "half a copy, left by a worker that died");
    ImageInfo image = images.importImage("img", "disk.raw", null);
    assertEquals(ImageFacts.sha256(source, done -> {}), image.sha256(), "raw kept raw: the same bytes");
    try (var stored = Files.list(storage.imageStore())) {
      assertEquals(List.of(".img.raw.json", ".lock", "img.raw"), stored.map(f -> f.getFileName().toString()).sorted().toList());
    }
    assertEquals(image, images.importImage("img", "disk.raw", null), "and once more: the same import");
  }

  @Test
  void theChecksumIsKeptUntilTheImageChanges() throws Exception {
    rawSource("disk.raw", 2);
    ImageInfo first = images.importImage("img", "disk.raw", null);
    Path file = storage.imageStore().resolve("img.raw");
    Path sidecar = storage.imageStore().resolve(".img.raw.json");
    FileTime recorded = Files.getLastModifiedTime(sidecar);
    assertEquals(first, images.getImage("img"));
    assertEquals(recorded, Files.getLastModifiedTime(sidecar), "not worked out again");
    Files.write(file, new byte[4096]);
    ImageInfo changed = images.getImage("img");
    assertEquals(4096, changed.virtualSizeBytes());
    assertEquals(ImageFacts.sha256(file, done -> {}), changed.sha256());
  }

  @Test
  void sourcesOutsideTheImportDirectoryOrNotStandaloneImagesAreRefused() throws Exception {
    Files.createDirectories(storage.importDir());
    Path outside = Files.writeString(scratch.resolve("outside.raw"), "host data");
    Files.createSymbolicLink(storage.importDir().resolve("link.raw"), outside);
    Files.createSymbolicLink(storage.importDir().resolve("dirlink"), scratch);
    Files.createDirectories(storage.importDir().resolve("sub"));
    TestGuest.run(List.of(QEMU_IMG.toString(), "create", "-q", "-f", "qcow2", "-F", "raw", "-b", outside.toString(),
        storage.importDir().resolve("backed.qcow2").toString()));
    for (String source : List.of("../outside.raw", outside.toString(), "/etc/passwd", "link.raw", "dirlink/outside.raw", "sub", ".",
        "", "missing.raw", "backed.qcow2", "bad\nname.raw")) {
      InvalidSpecException refused = assertThrows(InvalidSpecException.class, () -> images.importImage("x", source, null), source);
      assertEquals("source", refused.field(), source);
      assertFalse(refused.getMessage().contains(scratch.toString()) || refused.getMessage().contains("/etc"), refused.getMessage());
    }
    for (String name : List.of("../x", "a/b", "", ".hidden", "x".repeat(64), "a b")) {
      assertEquals("name", assertThrows(InvalidSpecException.class, () -> images.importImage(name, "disk.raw", null)).field(), name);
    }
    assertFalse(Files.exists(storage.imageStore().resolve("x.raw")));
  }

  @Test
  void missingImagesAreNotFoundAndDeletingIsRepeatable() throws Exception {
    assertEquals(FailureReasons.IMAGE_NOT_FOUND, reason(() -> images.getImage("none")));
    images.deleteImage("none");
    rawSource("disk.raw", 1);
    images.importImage("gone", "disk.raw", null);
    images.deleteImage("gone");
    images.deleteImage("gone");
    assertEquals(List.of(), images.listImages());
    try (var stored = Files.list(storage.imageStore())) {
      assertEquals(List.of(".lock"), stored.map(f -> f.getFileName().toString()).toList(), "the image and its facts are gone");
    }
  }

  @Test
  void refusalsLeaveTheHostAsStableReasonsThatAreNeverRetried() {
    RuntimeException failure = HostFailures.toFailure(HostRefusedException.imageInUse("base", List.of("vm-1")));
    ApplicationFailure application = (ApplicationFailure) failure;
    assertEquals(FailureReasons.IMAGE_IN_USE, application.getType());
    assertTrue(application.isNonRetryable());
  }

  /** A raw disk image of {@code mib} MiB in the import directory: random data, then zeros. */
  private Path rawSource(String name, int mib) throws Exception {
    Files.createDirectories(storage.importDir());
    byte[] data = new byte[mib << 20];
    byte[] random = new byte[data.length / 2];
    new Random(42).nextBytes(random);
    System.arraycopy(random, 0, data, 0, random.length);
    return Files.write(storage.importDir().resolve(name), data);
  }

  private static String reason(Runnable action) {
    return assertThrows(HostRefusedException.class, action::run).reason();
  }
}
