package io.plasmavmc.host.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.host.ConsoleTail;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.HostRefusedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The consoles a host keeps of lifecycle test attempts: kept whole, read back by their end, and bounded by run and by size. */
class TestRunArtifactsTest {
  @TempDir Path root;

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private List<String> runs() throws Exception {
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.map(dir -> dir.getFileName().toString()).sorted().toList();
    }
  }

  /** The run's directory as if its last console had been kept {@code minutesAgo} minutes ago. */
  private void age(String runId, int minutesAgo) throws Exception {
    Files.setLastModifiedTime(root.resolve(runId), FileTime.from(Instant.now().minusSeconds(60L * minutesAgo)));
  }

  @Test
  void aKeptConsoleIsReadBackWholeOrByItsEndAndKeepingItAgainReplacesIt() {
    TestRunArtifacts artifacts = new TestRunArtifacts(root);
    artifacts.keep("nightly", "nightly-1-1", bytes("boot\nPLASMAVMC-GUEST-READY\n"));
    ConsoleTail whole = artifacts.read("nightly", "nightly-1-1", 1024);
    assertEquals("boot\nPLASMAVMC-GUEST-READY\n", new String(whole.data(), StandardCharsets.UTF_8));
    assertFalse(whole.truncated());
    ConsoleTail end = artifacts.read("nightly", "nightly-1-1", 6);
    assertEquals("READY\n", new String(end.data(), StandardCharsets.UTF_8));
    assertEquals(27, end.totalBytes());
    assertTrue(Files.isRegularFile(root.resolve("nightly").resolve("nightly-1-1.log")), "<artifacts>/<run>/<vm>.log");

    artifacts.keep("nightly", "nightly-1-1", bytes("again\n")); // a retried archive
    assertArrayEquals(bytes("again\n"), artifacts.read("nightly", "nightly-1-1", 1024).data());
  }

  @Test
  void aConsoleNotKeptIsRefusedWithItsReasonAndNamesThatAreNotPlainAreInvalid() {
    TestRunArtifacts artifacts = new TestRunArtifacts(root);
    HostRefusedException missing = assertThrows(HostRefusedException.class, () -> artifacts.read("nightly", "nightly-9-1", 10));
    assertEquals(FailureReasons.CONSOLE_NOT_KEPT, missing.reason());
    assertFalse(missing.getMessage().contains(root.toString()), "no host path: " + missing.getMessage());
    for (String[] bad : List.of(new String[] {"..", "x"}, new String[] {"run/..", "x"}, new String[] {"run", "../../etc/passwd"},
        new String[] {"", "x"}, new String[] {"run", ".hidden"})) {
      assertThrows(InvalidSpecException.class, () -> artifacts.keep(bad[0], bad[1], bytes("x")), String.join(" ", bad));
      assertThrows(InvalidSpecException.class, () -> artifacts.read(bad[0], bad[1], 10), String.join(" ", bad));
    }
  }

  @Test
  void onlyTheNewestRunsStayAndNeverTheOneBeingKept() throws Exception {
    TestRunArtifacts artifacts = new TestRunArtifacts(root, 3, Long.MAX_VALUE);
    for (int run = 1; run <= 4; run++) {
      artifacts.keep("run" + run, "run" + run + "-1-1", bytes("console " + run));
      age("run" + run, 10 - run); // run1 the oldest
    }
    assertEquals(List.of("run2", "run3", "run4"), runs(), "the oldest of four went when the fourth was kept");

    age("run4", 60); // the newest run made the oldest: keeping a console of it keeps it, and the others go by age
    artifacts.keep("run4", "run4-2-1", bytes("console 4 again"));
    artifacts.keep("run5", "run5-1-1", bytes("console 5"));
    assertEquals(List.of("run3", "run4", "run5"), runs());
  }

  @Test
  void theOldestRunsGoWhenAllTheyKeepExceedsTheBytesBound() throws Exception {
    TestRunArtifacts artifacts = new TestRunArtifacts(root, 50, 100);
    artifacts.keep("old", "old-1-1", new byte[60]);
    age("old", 5);
    artifacts.keep("new", "new-1-1", new byte[30]);
    assertEquals(List.of("new", "old"), runs(), "90 bytes fit");
    age("new", 1);
    artifacts.keep("newer", "newer-1-1", new byte[30]);
    assertEquals(List.of("new", "newer"), runs(), "120 bytes do not: the oldest run went");
    artifacts.keep("huge", "huge-1-1", new byte[500]);
    assertEquals(List.of("huge"), runs(), "a run larger than the bound alone stays while it is the one being kept");
  }
}
