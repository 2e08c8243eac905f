package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A host's spawn slots: a burst waits its turn, first come first served, and past its deadline is refused HOST_BUSY having started nothing. */
class SpawnSlotsTest {
  @Test
  void aSpawnBeyondTheLimitWaitsForASlotAndGetsTheOneGivenBack() throws Exception {
    SpawnSlots slots = new SpawnSlots(2);
    Runnable first = slots.acquire(Instant.now().plusSeconds(5));
    Runnable second = slots.acquire(Instant.now().plusSeconds(5));
    assertEquals(new SpawnLoad(2, 2, 0, 0), slots.load());
    CompletableFuture<Runnable> third = CompletableFuture.supplyAsync(() -> slots.acquire(Instant.now().plusSeconds(10)));
    for (int i = 0; i < 200 && slots.load().waiting() == 0; i++) {
      Thread.sleep(10);
    }
    assertEquals(new SpawnLoad(2, 2, 1, 0), slots.load(), "the third waits");
    first.run();
    first.run(); // given back once, however often it is run
    third.get(5, TimeUnit.SECONDS).run();
    second.run();
    assertEquals(new SpawnLoad(2, 0, 0, 0), slots.load());
  }

  @Test
  void aSpawnThatGetsNoSlotBeforeItsDeadlineIsRefusedAsBusy() {
    SpawnSlots slots = new SpawnSlots(1);
    slots.acquire(Instant.now().plusSeconds(5));
    long began = System.nanoTime();
    HostBusyException busy = assertThrows(HostBusyException.class, () -> slots.acquire(Instant.now().plusMillis(1500)));
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    assertTrue(waited >= 1000 && waited < 5000, "waited until its deadline: " + waited + " ms");
    assertEquals("its 1 spawn slots (max concurrent spawns) stayed taken until the spawn's deadline (1 QEMUs starting, 0 more waiting); "
        + "nothing was started, retry later", busy.getMessage());
    assertEquals(new SpawnLoad(1, 1, 0, 1), slots.load(), "counted as refused");
    RuntimeException left = HostFailures.toFailure(busy);
    assertEquals(FailureReasons.HOST_BUSY, ((ApplicationFailure) left).getType(), "leaves the host as HOST_BUSY");
  }

  @Test
  void aSpawnWithItsDeadlinePassedTakesAFreeSlotAtOnce() {
    SpawnSlots slots = new SpawnSlots(1);
    slots.acquire(Instant.now().minus(Duration.ofSeconds(1))).run();
    assertEquals(new SpawnLoad(1, 0, 0, 0), slots.load());
  }
}
