package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.host.ProbeResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host's console waits on a file written as QEMU writes a serial log: a little at a time. */
class ConsoleWaitsTest {
  private final ConsoleWaits waits = new ConsoleWaits(Duration.ofMillis(50));
  @TempDir Path dir;

  @AfterEach
  void close() {
    waits.close();
  }

  private void write(Path log, String text) throws Exception {
    Files.writeString(log, text, StandardCharsets.ISO_8859_1, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  @Test
  void aLineWrittenAfterTheOffsetMatchesEvenInPieces() throws Exception {
    Path log = dir.resolve("serial.log");
    write(log, "PLASMAVMC-GUEST-READY from the boot before\n");
    long offset = Files.size(log);
    CompletableFuture<ProbeResult> match = waits.await(log, "GUEST-READY variant=\\w+", offset, Duration.ofSeconds(30), () -> true);
    write(log, "[    0.1] booting\r\nPLASMAVMC-GUE");
    awaitFullRound();
    assertFalse(match.isDone(), "half a marker is no marker, and the old one does not count");
    long written = System.currentTimeMillis();
    write(log, "ST-READY variant=graceful\n");
    ProbeResult matched = match.get(5, TimeUnit.SECONDS);
    assertTrue(matched.ready());
    assertEquals("PLASMAVMC-GUEST-READY variant=graceful", matched.detail());
    assertTrue(matched.noticedAtMillis() >= written, "noticed after it was written");
  }

  @Test
  void aPromptWithoutANewlineMatches() throws Exception {
    Path log = dir.resolve("serial.log");
    CompletableFuture<ProbeResult> match = waits.await(log, "login: $", 0, Duration.ofSeconds(30), () -> true);
    awaitFullRound(); // the waits have looked for the log, which does not exist yet: QEMU has not created it
    write(log, "Debian GNU/Linux 12 guest ttyS0\n\nguest login: ");
    assertEquals("guest login: ", match.get(5, TimeUnit.SECONDS).detail());
  }

  @Test
  void theWaitEndsUnmatchedAtItsTimeoutOrWhenNoLongerWanted() throws Exception {
    Path log = dir.resolve("serial.log");
    write(log, "nothing of note\n");
    assertFalse(waits.await(log, "READY", 0, Duration.ofMillis(200), () -> true).get(5, TimeUnit.SECONDS).ready());
    AtomicBoolean wanted = new AtomicBoolean(true);
    CompletableFuture<ProbeResult> abandoned = waits.await(log, "READY", 0, Duration.ofSeconds(30), wanted::get);
    wanted.set(false);
    assertThrows(CancellationException.class, () -> abandoned.get(5, TimeUnit.SECONDS));
    assertEquals(0, waits.waiting());
  }

  @Test
  void aTruncatedLogIsReadFromItsStartAndHostileLinesStayBounded() throws Exception {
    Path log = dir.resolve("serial.log");
    write(log, "x".repeat(10_000) + "\n");
    CompletableFuture<ProbeResult> match = waits.await(log, "(a+)+$", 10_001, Duration.ofSeconds(30), () -> true);
    // A new QEMU: the log starts again, shorter than the offset. Its long line of a's is matched in
    // bounded pieces; a backtracking engine would take ages on this pattern, RE2 answers at once.
    Files.writeString(log, "new boot\n" + "a".repeat(9_000) + "!");
    ProbeResult matched = match.get(5, TimeUnit.SECONDS);
    assertTrue(matched.ready());
    assertTrue(matched.detail().startsWith("aaaa") && matched.detail().length() == 200, "the reported line is cut short: " + matched.detail().length());
  }

  /** Waits until the waits have gone once over every wait since now (they then read what was written before). */
  private void awaitFullRound() throws InterruptedException {
    long start = waits.rounds();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (waits.rounds() < start + 2 && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    assertTrue(waits.rounds() >= start + 2, "the console waits poll");
  }
}
