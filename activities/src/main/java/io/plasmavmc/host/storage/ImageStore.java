package io.plasmavmc.host.storage;

import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.image.ImportProgress;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.host.HostRefusedException;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.host.storage.ImageFiles.ImageFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A host's image store: base images that VMs' disks are overlays of, listed with their facts and
 * the VMs that use them, imported from the import directory, deleted unless in use. Images are
 * readable by everyone (QEMU's user reads them as backing files) and written only here.
 */
public final class ImageStore {
  private static final Logger log = LoggerFactory.getLogger(ImageStore.class);

  private final ImageFiles files;
  private final HostStorage storage;
  private final QemuImg qemuImg;
  private final ImageFacts facts;

  public ImageStore(HostStorage storage, QemuImg qemuImg) {
    this.storage = storage;
    this.files = new ImageFiles(storage.imageStore());
    this.qemuImg = qemuImg;
    this.facts = new ImageFacts(qemuImg);
  }

  /** Every image of the store, by name; an image whose file changed since last seen is checksummed now. */
  public List<ImageInfo> list() {
    Map<String, List<String>> users = users();
    return files.all().stream().map(image -> info(image, users.getOrDefault(image.name(), List.of()), done -> {})).toList();
  }

  /** Image {@code name}; fails IMAGE_NOT_FOUND. */
  public ImageInfo get(String name) {
    ImageFiles.checkName("name", name);
    ImageFile image = files.find(name).orElseThrow(() -> HostRefusedException.imageNotFound(name));
    return info(image, users().getOrDefault(name, List.of()), done -> {});
  }

  /** Which VMs' disks are overlays of each image, by image name. */
  private Map<String, List<String>> users() {
    return DiskRecords.usersByImage(storage.vmsDir(), files.store());
  }

  private ImageInfo info(ImageFile image, List<String> usedBy, LongConsumer checksummed) {
    try {
      ImageFacts.Facts known = facts.of(image, checksummed);
      return new ImageInfo(image.name(), image.format(), known.virtualSize(), known.actualSize(), known.sha256(),
          Instant.EPOCH.plusNanos(known.modifiedNanos()), usedBy);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read image " + image.name(), e);
    }
  }

  /**
   * Imports {@code source} (relative to the import directory) as image {@code name}, copied or
   * converted by qemu-img into a hidden temporary file of the store, checked, checksummed, and
   * renamed into place; {@code progress} hears how far it has come. See ImageActivities#importImage.
   */
  public ImageInfo importImage(String name, String source, DiskFormat convertTo, Consumer<ImportProgress> progress) {
    ImageFiles.checkName("name", name);
    ImportSource from = ImportSource.resolve(storage.importDir(), source, qemuImg);
    if (files.find(name).isPresent()) {
      return alreadyImported(name, from);
    }
    DiskFormat format = from.targetFormat(convertTo);
    Path tmp = files.store().resolve(".import-" + name + "." + format.qemuDriver() + ".tmp");
    try {
      prepareStore();
      Files.deleteIfExists(tmp); // a crashed attempt's
      String phase = format.qemuDriver().equals(from.format()) ? "copying" : "converting";
      log.info("image {}: {} {} ({}, {} bytes for the guest) into the store", name, phase, from.name(), from.format(), from.virtualSize());
      progress.accept(new ImportProgress(phase, 0, from.virtualSize()));
      qemuImg.convert(from.file(), from.format(), tmp, format,
          percent -> progress.accept(new ImportProgress(phase, (long) (from.virtualSize() * percent / 100), from.virtualSize())));
      String written = qemuImg.probe(tmp).path("format").asText();
      if (!written.equals(format.qemuDriver())) {
        throw new IllegalStateException("qemu-img wrote " + written + " where " + format.qemuDriver() + " was asked for");
      }
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      long size = Files.size(tmp);
      log.info("image {}: checksumming its {} bytes", name, size);
      ImageFacts.Facts known = facts.compute(tmp, format, from.origin(),
          done -> progress.accept(new ImportProgress("checksumming", done, size)));
      ImageFile image = new ImageFile(name, files.file(name, format), format);
      // Its facts first, then the image: a crash between them leaves facts of no image, not an
      // image that a retried import of the same source would not know as its own.
      StoreLock.holding(files.store(), () -> {
        if (files.find(name).isPresent()) {
          throw HostRefusedException.imageExists(name); // imported meanwhile by another request
        }
        keep(image, known);
        move(tmp, image.path());
        return null;
      });
      progress.accept(new ImportProgress("done", size, size));
      log.info("image {} imported from {} ({} -> {})", name, from.name(), from.format(), format.qemuDriver());
      return get(name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot import image " + name, e);
    } finally {
      AtomicFiles.deleteQuietly(tmp);
    }
  }

  /** A repeated import of the same file is success; an image of that name from anything else is IMAGE_EXISTS. */
  private ImageInfo alreadyImported(String name, ImportSource from) {
    ImageFile image = files.find(name).orElseThrow(() -> HostRefusedException.imageNotFound(name));
    ImageFacts.Facts known;
    try {
      known = facts.of(image, done -> {});
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read image " + name, e);
    }
    if (!from.madeFrom(known.origin())) {
      throw HostRefusedException.imageExists(name);
    }
    return get(name);
  }

  /** Deletes image {@code name} unless a VM's disk is an overlay of it; a missing image is success. */
  public void delete(String name) {
    ImageFiles.checkName("name", name);
    if (!Files.isDirectory(files.store())) {
      return;
    }
    StoreLock.holding(files.store(), () -> {
      List<String> users = users().getOrDefault(name, List.of());
      if (!users.isEmpty() && files.find(name).isPresent()) {
        throw HostRefusedException.imageInUse(name, users);
      }
      for (DiskFormat format : DiskFormat.values()) {
        ImageFile image = new ImageFile(name, files.file(name, format), format);
        try {
          if (Files.deleteIfExists(image.path())) {
            log.info("image {} deleted", name);
          }
          facts.forget(image);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot delete image " + name, e);
        }
      }
      return null;
    });
  }

  /**
   * Makes the store (readable by all: QEMU's user reads its images) and the import directory (the
   * worker's only: operators put files there) where missing.
   */
  public void prepare() throws IOException {
    prepareStore();
    if (!Files.isDirectory(storage.importDir())) {
      Files.createDirectories(storage.importDir());
      Files.setPosixFilePermissions(storage.importDir(), PosixFilePermissions.fromString("rwx------"));
    }
  }

  private void prepareStore() throws IOException {
    if (!Files.isDirectory(files.store())) {
      Files.createDirectories(files.store());
      Files.setPosixFilePermissions(files.store(), PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private void keep(ImageFile image, ImageFacts.Facts known) {
    try {
      facts.keep(image, known);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the facts of image " + image.name(), e);
    }
  }

  private static void move(Path tmp, Path image) {
    try {
      Files.move(tmp, image, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot put the imported image in place", e);
    }
  }
}
