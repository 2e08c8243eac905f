package io.plasmavmc.host.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the host remembers of a VM's snapshots beyond what the disks hold, in its VM directory
 * ({@code snapshots.json}): which job took each snapshot (a retried take of that job finds its
 * snapshot rather than an other's of the same name) and the guest's run state when it was taken
 * (a restore leaves the guest as it was then; QEMU leaves it as it is), and the jobs that have
 * finished (retried, they do nothing again).
 */
final class SnapshotJournal {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FILE = "snapshots.json";
  private static final int FINISHED_KEPT = 64;

  /** A snapshot as taken: by job {@code jobId}, of a guest in QEMU run state {@code runState} (null: no QEMU ran). */
  record Taken(String jobId, String runState) {}

  record Content(Map<String, Taken> taken, List<String> finished) {
    Content {
      taken = taken == null ? new TreeMap<>() : new TreeMap<>(taken);
      finished = finished == null ? new ArrayList<>() : new ArrayList<>(finished);
    }
  }

  private final Path file;
  private final Content content;

  private SnapshotJournal(Path file, Content content) {
    this.file = file;
    this.content = content;
  }

  static SnapshotJournal of(Path vmDir) {
    Path file = vmDir.resolve(FILE);
    try {
      return new SnapshotJournal(file, JSON.readValue(file.toFile(), Content.class));
    } catch (NoSuchFileException | FileNotFoundException e) {
      return new SnapshotJournal(file, new Content(null, null));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the VM's snapshot journal", e);
    }
  }

  boolean finished(String jobId) {
    return content.finished().contains(jobId);
  }

  Optional<Taken> taken(String name) {
    return Optional.ofNullable(content.taken().get(name));
  }

  /** Records that job {@code jobId} takes snapshot {@code name} now, of a guest in {@code runState}. */
  void taking(String name, String jobId, String runState) {
    content.taken().put(name, new Taken(jobId, runState));
    save();
  }

  void forget(String name) {
    if (content.taken().remove(name) != null) {
      save();
    }
  }

  void finish(String jobId) {
    content.finished().remove(jobId);
    content.finished().add(jobId);
    while (content.finished().size() > FINISHED_KEPT) {
      content.finished().remove(0);
    }
    save();
  }

  private void save() {
    try {
      AtomicFiles.write(file, JSON.writeValueAsString(content));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the snapshot journal", e);
    }
  }
}
