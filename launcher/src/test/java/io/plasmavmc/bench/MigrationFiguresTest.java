package io.plasmavmc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.plasmavmc.api.v1.Operation;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.contract.host.MigrationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The benchmark reads its figures back from the words the workflow records: they must parse as
 * MigrationResult.figures() writes them, or the benchmark would report no migration at all.
 */
class MigrationFiguresTest {
  private static Operation migrate(String outcome) {
    return Operation.newBuilder().setName("migrate").setOutcome(outcome).setStartedAt(Timestamp.newBuilder().setSeconds(100).setNanos(900_000_000))
        .setFinishedAt(Timestamp.newBuilder().setSeconds(102).setNanos(150_000_000)).build();
  }

  @Test
  void theContractsWordsParseBack() {
    String figures = new MigrationResult(92_484_198, 454, 99, 3, 1729.4).figures();
    MigrationFigures read = MigrationFigures.of(migrate("ok: from host h1 to host h2, " + figures
        + "; the source's QEMU was not ended: unreachable")).orElseThrow();
    assertEquals(new MigrationFigures("h1", "h2", 454, 99, 88.2, 1729.0, 1250), read);
  }

  @Test
  void theLastMigrateOperationCountsAndAFailedOneHasNoFigures() {
    Vm vm = Vm.newBuilder().addAllRecentOperations(List.of(migrate("ok: from host a to host b, 1 ms in all, 2 ms of downtime, 3.0 MiB "
        + "sent at 4 Mbit/s"), Operation.newBuilder().setName("get").setOutcome("ok").build())).build();
    assertEquals("a", MigrationFigures.lastOf(vm).orElseThrow().from());
    assertTrue(MigrationFigures.lastOf(Vm.newBuilder().addRecentOperations(migrate("failed: MIGRATION_FAILED: ...")).build()).isEmpty());
  }

  @Test
  void spreadIsTheNearestRankMedianAndTheLargest() {
    assertEquals(new Spread(3, 9, 5), Spread.of(List.of(9, 1, 3, 2, 5)));
    assertEquals(new Spread(1, 2, 2), Spread.of(List.of(2.0, 1.0)));
    assertEquals(0, Spread.of(List.of()).count());
  }
}
