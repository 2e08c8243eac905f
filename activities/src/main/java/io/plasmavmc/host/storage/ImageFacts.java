package io.plasmavmc.host.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.host.storage.ImageFiles.ImageFile;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * What the store knows of each image beyond its file: its sha256, the sizes qemu-img reports (as
 * the guest sees it, and allocated on the host's disk) and, for an imported image, what it was
 * imported from. Kept beside the image ({@code .<file>.json}) and worked out again only when the
 * file's size or modification time changed: a checksum reads the whole image.
 */
public final class ImageFacts {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BUFFER = 1 << 20;
  /** How often a checksum reports its progress. */
  private static final long REPORT_EVERY = 64L << 20;

  private final QemuImg qemuImg;

  public ImageFacts(QemuImg qemuImg) {
    this.qemuImg = qemuImg;
  }

  /** An imported image's origin: its source's name in the import directory, size and modification time then. */
  public record Origin(String source, long size, long modifiedNanos) {}

  /** The facts of one image file, valid while its {@code size} and {@code modifiedNanos} stay. */
  public record Facts(long size, long modifiedNanos, String sha256, long virtualSize, long actualSize, Origin origin) {}

  /** The facts of {@code image}, worked out anew (reporting the bytes checksummed) if the file changed since. */
  public Facts of(ImageFile image, LongConsumer checksummed) throws IOException {
    BasicFileAttributes now = Files.readAttributes(image.path(), BasicFileAttributes.class);
    long modified = now.lastModifiedTime().to(TimeUnit.NANOSECONDS);
    Optional<Facts> kept = read(image);
    if (kept.isPresent() && kept.get().size() == now.size() && kept.get().modifiedNanos() == modified) {
      return kept.get();
    }
    return record(image, null, checksummed);
  }

  /** Works out the facts of {@code image} (imported from {@code origin}, or null) and keeps them. */
  public Facts record(ImageFile image, Origin origin, LongConsumer checksummed) throws IOException {
    Facts facts = compute(image.path(), image.format(), origin, checksummed);
    keep(image, facts);
    return facts;
  }

  /** The facts of {@code file} in {@code format}, to be kept for the image it becomes (a rename keeps its size and time). */
  public Facts compute(Path file, DiskFormat format, Origin origin, LongConsumer checksummed) throws IOException {
    BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
    String sha256 = sha256(file, checksummed);
    JsonNode info = qemuImg.info(file, format);
    return new Facts(before.size(), before.lastModifiedTime().to(TimeUnit.NANOSECONDS), sha256, info.path("virtual-size").asLong(),
        info.path("actual-size").asLong(), origin);
  }

  /** Keeps {@code facts} beside {@code image}. */
  public void keep(ImageFile image, Facts facts) throws IOException {
    AtomicFiles.write(sidecar(image), JSON.writeValueAsString(facts));
  }

  /** Forgets the facts of a deleted image. */
  public void forget(ImageFile image) throws IOException {
    Files.deleteIfExists(sidecar(image));
  }

  Optional<Facts> read(ImageFile image) {
    try {
      return Optional.of(JSON.readValue(sidecar(image).toFile(), Facts.class));
    } catch (NoSuchFileException | FileNotFoundException e) {
      return Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty(); // worked out again
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the facts of image " + image.name(), e);
    }
  }

  private static Path sidecar(ImageFile image) {
    return image.path().resolveSibling("." + image.path().getFileName() + ".json");
  }

  /** The file's sha256, hex; {@code checksummed} hears the bytes read so far every 64 MiB. */
  public static String sha256(Path file, LongConsumer checksummed) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    byte[] buffer = new byte[BUFFER];
    long done = 0;
    long reported = 0;
    try (InputStream in = Files.newInputStream(file)) {
      for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
        digest.update(buffer, 0, n);
        done += n;
        if (done - reported >= REPORT_EVERY) {
          checksummed.accept(done);
          reported = done;
        }
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
