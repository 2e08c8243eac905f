package io.plasmavmc.host.storage;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.contract.Snapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One internal snapshot of one qcow2 disk, as QEMU (query-named-block-nodes) and qemu-img (info)
 * both describe it: its name, when it was taken, and the bytes of VM state it holds (0: disk-only).
 */
public record DiskSnapshot(String name, Instant createdAt, long vmStateBytes) {
  /** The snapshots of a disk from the {@code snapshots} array of QEMU's or qemu-img's image information. */
  public static List<DiskSnapshot> fromJson(JsonNode snapshots) {
    List<DiskSnapshot> found = new ArrayList<>();
    for (JsonNode snapshot : snapshots) {
      found.add(new DiskSnapshot(snapshot.path("name").asText(),
          Instant.ofEpochSecond(snapshot.path("date-sec").asLong(), snapshot.path("date-nsec").asLong()),
          snapshot.path("vm-state-size").asLong()));
    }
    return found;
  }

  public Snapshot toSnapshot() {
    return new Snapshot(name, createdAt, vmStateBytes > 0, vmStateBytes);
  }
}
