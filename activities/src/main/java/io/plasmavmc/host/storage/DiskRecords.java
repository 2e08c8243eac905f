package io.plasmavmc.host.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a VM's own disks are made of, recorded in its VM directory ({@code disks.json}) before the
 * disks are made: which VMs use an image is then one small read per VM directory, and an image is
 * in use from the moment a VM means to use it until its directory is removed.
 */
public final class DiskRecords {
  private static final Logger log = LoggerFactory.getLogger(DiskRecords.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String FILE = "disks.json";

  private DiskRecords() {}

  /** One VM's record: its own disks (by index: an image's name, or null for a blank disk) and whether it has a seed. */
  public record Record(String vmId, List<RecordedDisk> disks, boolean seed) {
    public List<String> images() {
      return disks.stream().map(RecordedDisk::image).filter(image -> image != null).distinct().toList();
    }
  }

  /** A disk of the VM's own: its index in the spec, the image it overlays (null: blank) and its size. */
  public record RecordedDisk(int index, String image, long sizeBytes) {}

  /** Whether {@code vmDir} has its record. */
  static boolean exists(Path vmDir) {
    return Files.isRegularFile(vmDir.resolve(FILE));
  }

  static void write(Path vmDir, Record record) {
    try {
      AtomicFiles.write(vmDir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(record));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the disk record", e);
    }
  }

  /**
   * The VMs (by id, sorted) whose own disks are overlays of each image, by image name: as recorded
   * under {@code vmsDir}, or, for a VM whose record a host crash took (it is not forced to the
   * disk), as its overlays' headers name their backing files in {@code store}.
   */
  public static Map<String, List<String>> usersByImage(Path vmsDir, Path store) {
    Map<String, List<String>> users = new TreeMap<>();
    try (Stream<Path> dirs = Files.list(vmsDir)) {
      for (Path dir : dirs.filter(Files::isDirectory).sorted().toList()) {
        for (String image : images(dir, store)) {
          users.computeIfAbsent(image, name -> new ArrayList<>()).add(dir.getFileName().toString());
        }
      }
    } catch (NoSuchFileException e) {
      return users;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the VMs' directory", e);
    }
    return users;
  }

  private static List<String> images(Path dir, Path store) throws IOException {
    try {
      return JSON.readValue(dir.resolve(FILE).toFile(), Record.class).images();
    } catch (NoSuchFileException | FileNotFoundException e) {
      // a VM directory being made (its record comes first) or removed, or one whose record was lost
    } catch (IOException e) {
      log.warn("cannot read the disk record of {} ({}): reading its overlays instead", dir, e.getMessage());
    }
    List<String> images = new ArrayList<>();
    try (Stream<Path> disks = Files.list(dir)) {
      for (Path disk : disks.filter(f -> f.getFileName().toString().matches("disk\\d+\\.qcow2")).toList()) {
        Qcow2Header.read(disk).flatMap(Qcow2Header::backingFile).map(Path::of)
            .filter(backing -> store.equals(backing.getParent()))
            .map(backing -> backing.getFileName().toString().replaceFirst("\\.(qcow2|raw)$", ""))
            .ifPresent(images::add);
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    return images.stream().distinct().toList();
  }
}
