package io.plasmavmc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** vmctl snapshot create|list|restore|delete against the fake gateway: output and exit codes. */
class SnapshotCommandsTest extends FakeGatewayTest {
  private static final String HEADER = "SNAPSHOT                 TAKEN                    CONTENT";

  @Test
  void aSnapshotIsTakenListedRestoredAndDeleted() {
    Result taken = call("snapshot", "create", "demo", "before-upgrade");
    assertEquals(0, taken.code(), taken.err());
    assertEquals(List.of(HEADER, "before-upgrade           2026-12-01T10:00:00Z     disks and RAM (130.0 MiB)"), taken.out().lines().toList());
    call("snapshot", "create", "cold", "stopped-state");

    Result listed = call("snapshot", "list", "demo");
    assertEquals(0, listed.code(), listed.err());
    assertEquals(List.of(HEADER, "before-upgrade           2026-12-01T10:00:00Z     disks and RAM (130.0 MiB)",
        "stopped-state            2026-12-01T10:00:00Z     disks only"), listed.out().lines().toList());

    Result restored = call("snapshot", "restore", "demo", "before-upgrade");
    assertEquals(0, restored.code(), restored.err());
    assertTrue(restored.out().contains("state:       RUNNING (restored snapshot before-upgrade)\n"), restored.out());

    call("snapshot", "delete", "demo", "before-upgrade");
    Result last = call("snapshot", "delete", "demo", "stopped-state");
    assertEquals("VM demo has no snapshots\n", last.out());
  }

  @Test
  void refusalsExitWithTheCodeOfTheirKind() {
    call("snapshot", "create", "demo", "s1");
    Result taken = call("snapshot", "create", "demo", "s1");
    assertEquals(5, taken.code());
    assertEquals("vmctl: ALREADY_EXISTS: VM demo has a snapshot s1 already\n  reason SNAPSHOT_EXISTS\n", taken.err());
    assertEquals(3, call("snapshot", "restore", "demo", "nope").code());
    Result unsupported = call("snapshot", "create", "plain", "s1");
    assertEquals(5, unsupported.code());
    assertTrue(unsupported.err().contains("reason SNAPSHOT_UNSUPPORTED"), unsupported.err());
    assertEquals(2, call("snapshot", "create", "demo").code(), "no snapshot name");
  }
}
