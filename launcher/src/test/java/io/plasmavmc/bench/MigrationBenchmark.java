package io.plasmavmc.bench;

import io.plasmavmc.bench.MigrationSeries.Guest;
import io.plasmavmc.bench.MigrationSeries.Result;
import io.plasmavmc.bench.MigrationSeries.Sample;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Live-migration figures on real QEMU (TCG) between two host workers on this one machine
 * ({@link TwoHosts}: Temporal's dev server, the gateway, hosts bench-a and bench-b):
 * <ol>
 *   <li>a running idle guest of {@code -DsmallMib} (128) and one of {@code -DlargeMib} (512) MiB,
 *       each migrated {@code -Drepeats} (5) times back and forth: MigrateVm's wall time, and QEMU's
 *       own total time, downtime and bytes sent, from the VM's migrate operation;</li>
 *   <li>the same two sizes with the guest rewriting a quarter of its memory ({@code -DdirtyMib}
 *       to choose) with random bytes in a loop (the test guest's plasmavmc.dirty_mib): whether each
 *       migration converged within the default downtime limit, and if not, the same again with
 *       {@code -DlargeDowntimeMs} (2000); every migration capped at {@code -DbandwidthMibps}
 *       (MigrateVm's default, 1024);</li>
 *   <li>a drain of host A holding {@code -Ddrain} (20) running guests of {@code -DdrainMib}
 *       (128) MiB, booted {@code -Dboots} (4) at a time: the drain's time, each VM's migration, and a check that every VM
 *       runs on B with exactly one QEMU and A holds nothing.</li>
 * </ol>
 * Exits 1 when an idle guest's migration failed, the drain left anything wrong, or a QEMU of the
 * run is left after its clean-up (a {@link BenchRun}: swept at start, a shutdown hook). Run:
 * {@code tools/bench-migration.sh} (a trial: {@code tools/bench-migration.sh -Ddrain=4 -Drepeats=2}).
 */
public final class MigrationBenchmark {
  record Settings(int smallMib, int largeMib, int repeats, int dirtyMib, int largeDowntimeMs, int bandwidthMibps, int drain, int drainMib,
      int boots) {
    static Settings fromSystemProperties() {
      return new Settings(Integer.getInteger("smallMib", 128), Integer.getInteger("largeMib", 512), Integer.getInteger("repeats", 5),
          Integer.getInteger("dirtyMib", 0), Integer.getInteger("largeDowntimeMs", 2000),
          Integer.getInteger("bandwidthMibps", MigrationSeries.defaultBandwidthMibps()), Integer.getInteger("drain", 20),
          Integer.getInteger("drainMib", 128), Integer.getInteger("boots", 4));
    }

    /** What a guest of {@code memoryMib} rewrites: {@code -DdirtyMib}, or a quarter of its memory. */
    int dirtyOf(int memoryMib) {
      return dirtyMib > 0 ? dirtyMib : memoryMib / 4;
    }
  }

  public static void main(String[] args) throws Exception {
    Settings settings = Settings.fromSystemProperties();
    if (!Files.isRegularFile(TestGuest.kernel()) || !Files.isRegularFile(TestGuest.graceful())) {
      System.err.println("bench-migration: no test guest in " + TestGuest.dir() + ": build it with tools/guest/build.sh");
      System.exit(2);
    }
    int cores = Runtime.getRuntime().availableProcessors();
    // The drain's 1-vCPU guests all end up on one host: past the default CPU allocation ratio on 2
    // cores. The benchmark measures migration, not admission, so each host admits them all.
    HostLimits limits = HostLimits.defaults().withCpuAllocationRatio(Math.max(4.0, Math.ceil(2.0 * (settings.drain() + 2) / cores)));
    String setting = String.format("TCG guests (the test guest by -kernel, 1 vCPU, no network) from %s; two host workers (%s, %s) and "
        + "the gateway in one JVM beside Temporal's dev server (SQLite), migrating over this machine's address; %d CPUs; "
        + "load average at the start %s", TestGuest.dir(), TwoHosts.A, TwoHosts.B, cores, MachineLoad.now());
    int defaultDowntime = MigrationSeries.defaultDowntimeMs();

    List<Result> series = new ArrayList<>();
    List<Result> dirty = new ArrayList<>();
    List<Result> retried = new ArrayList<>();
    DrainRun.Result drain = null;
    int problems = 0;
    Path runDir;
    try (BenchRun run = BenchRun.begin("migration")) {
      runDir = run.dir;
      TwoHosts hosts = run.closing(TwoHosts.start(run, limits));
      System.out.println("bench-migration: hosts " + TwoHosts.A + " and " + TwoHosts.B + " up; gateway " + hosts.address());
      for (int memory : List.of(settings.smallMib(), settings.largeMib())) {
        series.add(progress(MigrationSeries.run(hosts, new Guest(memory, 0, defaultDowntime, settings.bandwidthMibps()), settings.repeats())));
      }
      for (int memory : List.of(settings.smallMib(), settings.largeMib())) {
        Result result = progress(MigrationSeries.run(hosts, new Guest(memory, settings.dirtyOf(memory), defaultDowntime, settings.bandwidthMibps()),
            settings.repeats()));
        dirty.add(result);
        if (!converged(result)) {
          retried.add(progress(MigrationSeries.run(hosts, new Guest(memory, settings.dirtyOf(memory), settings.largeDowntimeMs(), settings.bandwidthMibps()),
              settings.repeats())));
        }
      }
      if (settings.drain() > 0) {
        drain = DrainRun.run(hosts, settings.drain(), settings.drainMib(), settings.boots());
      }

      System.out.println();
      System.out.println("migration benchmark: " + setting + "; at the end " + MachineLoad.now());
      System.out.println("| guest | limits: downtime, bandwidth | migrations completed | MigrateVm wall p50 / max | QEMU total p50 / max "
          + "| downtime p50 / max | sent p50 / max | throughput p50 |");
      System.out.println("|---|---|---|---|---|---|---|---|");
      List<Result> all = new ArrayList<>(series);
      all.addAll(dirty);
      all.addAll(retried);
      all.forEach(MigrationBenchmark::row);
      System.out.println();
      for (Result result : dirty) {
        System.out.println(convergence(result));
      }
      for (Result result : retried) {
        System.out.println(convergence(result));
      }
      for (Result result : all) {
        result.failures().forEach(f -> System.out.println("bench-migration: " + result.guest().label() + " (downtime limit "
            + result.guest().maxDowntimeMs() + " ms): " + f));
      }
      problems += series.stream().mapToInt(r -> r.allCompleted() ? 0 : 1).sum();
      if (drain != null) {
        printDrain(drain);
        problems += drain.problems().size() + (drain.booted() < drain.vms() ? 1 : 0);
      }
    }
    List<Long> left = QemuProcessTable.livePidsMentioning(runDir);
    System.out.printf("QEMU processes of this benchmark left running after its clean-up: %d%n", left.size());
    if (problems > 0 || !left.isEmpty()) {
      System.out.println("bench-migration: FAILED: failed migrations of idle guests, a drain that left something wrong, or QEMUs left "
          + "(see above)");
    }
    System.exit(problems > 0 || !left.isEmpty() ? 1 : 0);
  }

  /** A series with the default limit converged when every migration completed with its downtime within the limit. */
  private static boolean converged(Result result) {
    return result.allCompleted() && result.withinDowntimeLimit() == result.samples().size();
  }

  private static Result progress(Result result) {
    System.out.printf("bench-migration: %s, downtime limit %d ms, %d MiB/s: %d of %d migrations completed, MigrateVm %s, downtime %s%n",
        result.guest().label(), result.guest().maxDowntimeMs(), result.guest().maxBandwidthMibps(), result.samples().size(), result.tried(),
        Spread.of(result.walls()).text("ms"), spread(result, f -> f.downtimeMs()).text("ms"));
    return result;
  }

  private static void row(Result result) {
    Spread sent = spread(result, MigrationFigures::mibSent);
    System.out.printf("| %s | %d ms, %d MiB/s | %d of %d | %s | %s | %s | %s | %s |%n", result.guest().label(),
        result.guest().maxDowntimeMs(), result.guest().maxBandwidthMibps(),
        result.samples().size(), result.tried(), Spread.of(result.walls()).text("ms"), spread(result, f -> f.totalMs()).text("ms"),
        spread(result, f -> f.downtimeMs()).text("ms"), sent.text("MiB"), result.samples().isEmpty() ? "–"
            : String.format("%.0f Mbit/s", spread(result, MigrationFigures::mbps).p50()));
  }

  private static String convergence(Result result) {
    Guest guest = result.guest();
    String verdict = converged(result) ? "converged" : "did NOT converge";
    return String.format("dirtying guest (%s; it said \"%s\"): %s with a downtime limit of %d ms at %d MiB/s: %d of %d migrations completed, %d within the limit "
        + "(downtime %s), %s sent per migration for %d MiB of RAM", guest.label(), result.dirtying(), verdict, guest.maxDowntimeMs(), guest.maxBandwidthMibps(),
        result.samples().size(), result.tried(), result.withinDowntimeLimit(), spread(result, f -> f.downtimeMs()).text("ms"),
        spread(result, MigrationFigures::mibSent).text("MiB"), guest.memoryMib());
  }

  private static void printDrain(DrainRun.Result drain) {
    List<MigrationFigures> migrations = drain.migrations();
    System.out.printf("%ndrain of %s holding %d running %d MiB guests (%d booted, in %.1f s): done in %.1f s by the drain's own record "
        + "(%.1f s until GetHost showed it done); %d migrated to %s; per VM: migrate operation %s, QEMU total %s, downtime %s, "
        + "sent %s%n", TwoHosts.A, drain.vms(), drain.memoryMib(), drain.booted(), drain.bootSeconds(), drain.drainSeconds(), drain.seenDoneSeconds(),
        drain.migrated(), TwoHosts.B, Spread.of(migrations.stream().map(MigrationFigures::operationMs).toList()).text("ms"),
        Spread.of(migrations.stream().map(MigrationFigures::totalMs).toList()).text("ms"),
        Spread.of(migrations.stream().map(MigrationFigures::downtimeMs).toList()).text("ms"),
        Spread.of(migrations.stream().map(MigrationFigures::mibSent).toList()).text("MiB"));
    System.out.println(drain.problems().isEmpty()
        ? "after the drain: " + TwoHosts.A + " holds no VM and runs no QEMU; every VM runs on " + TwoHosts.B + " with exactly one QEMU"
        : "after the drain, WRONG: " + String.join("; ", drain.problems()));
  }

  private static Spread spread(Result result, Function<MigrationFigures, Number> figure) {
    return Spread.of(result.samples().stream().map(Sample::figures).map(figure).toList());
  }
}
