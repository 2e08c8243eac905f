package io.plasmavmc.host;

import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.host.MigrationResult;
import io.plasmavmc.host.vm.OutgoingVm;
import io.plasmavmc.host.vmm.MigrationStatus;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transfer of a VM's state from this host, followed to its end: started (or found again),
 * polled, each look heartbeated with its progress, until QEMU says completed; failed when QEMU's
 * transfer failed or did not complete within its limit (cancelled then); cancelled when its
 * activity is (a heartbeat that throws), so a workflow that gives up never leaves a transfer
 * running. Either way a transfer that did not complete leaves the guest running on the source.
 * A transfer that moves no byte for {@link #STALL_LIMIT} is cancelled too: a target that cannot
 * be reached (a cut link drops packets, it sends no reset) would otherwise hold the guest's
 * migration open until the transfer's whole limit, minutes, with nothing arriving.
 */
final class MigrationTransfer {
  private static final Logger log = LoggerFactory.getLogger(MigrationTransfer.class);
  /** How often QEMU is asked: the transfer's end is seen within this. */
  private static final Duration POLL = Duration.ofMillis(100);
  /** How long a transfer may send nothing before it is given up (far longer than any pause of a healthy one). */
  static final Duration STALL_LIMIT = Duration.ofSeconds(15);
  /** How many more looks a completed transfer gets for QEMU to reckon its times (one poll apart). */
  private static final int TIMES_LOOKS = 10;

  private final OutgoingVm source;
  private final String vmId;
  private final String migrationId;

  MigrationTransfer(OutgoingVm source, String vmId, String migrationId) {
    this.source = source;
    this.vmId = vmId;
    this.migrationId = migrationId;
  }

  MigrationResult run(String uri, MigrationLimits limits) {
    long deadline = System.nanoTime() + limits.timeout().toNanos();
    MigrationStatus status = source.start(migrationId, uri, limits);
    String lastMoved = moved(status);
    long movedAt = System.nanoTime();
    try {
      while (!status.completed()) {
        if (status.failed()) {
          throw HostRefusedException.migrationFailed("QEMU's transfer " + status.status()
              + (status.error().isEmpty() ? "" : ": " + status.error()) + "; the guest runs on, on the source host");
        }
        if (System.nanoTime() > deadline) {
          MigrationStatus cancelled = source.cancel();
          throw HostRefusedException.migrationFailed("the transfer did not complete within " + limits.timeout().toSeconds() + " s ("
              + status.progress() + "): the guest writes its memory faster than " + limits.maxBandwidthMibps()
              + " MiB/s carry it with at most " + limits.maxDowntimeMs() + " ms of downtime; transfer " + cancelled.status()
              + ", the guest runs on, on the source host");
        }
        if (!moved(status).equals(lastMoved)) {
          lastMoved = moved(status);
          movedAt = System.nanoTime();
        } else if (System.nanoTime() - movedAt > STALL_LIMIT.toNanos()) {
          MigrationStatus cancelled = source.cancel();
          throw HostRefusedException.migrationFailed("the transfer stalled: nothing reached the target for " + STALL_LIMIT.toSeconds()
              + " s (" + status.progress() + "); is the target host reachable from this one? Transfer " + cancelled.status()
              + ", the guest runs on, on the source host");
        }
        Heartbeats.beat(status.progress());
        pause();
        status = source.status();
      }
    } catch (ActivityCompletionException e) {
      MigrationStatus cancelled = source.cancel();
      log.info("VM {}: migration {} cancelled with its activity ({}); transfer {}", vmId, migrationId, e.getClass().getSimpleName(),
          cancelled.status());
      throw e;
    }
    status = withTimes(status);
    log.info("VM {}: migration {} transferred: {}", vmId, migrationId, status.result().figures());
    return status.result();
  }

  /**
   * The completed transfer's status once QEMU has reckoned its times: QEMU says completed a moment
   * before it computes the total time and the downtime (longer for a guest with disks, which it
   * lets go of in between), and a look in that moment reads 0 ms for both. Asked again, briefly.
   */
  private MigrationStatus withTimes(MigrationStatus completed) {
    MigrationStatus status = completed;
    for (int i = 0; i < TIMES_LOOKS && status.totalTimeMs() == 0; i++) {
      pause();
      status = source.status();
    }
    return status.completed() ? status : completed;
  }

  /** What changes while a transfer makes headway: its status and the bytes it has sent. */
  private static String moved(MigrationStatus status) {
    return status.status() + "/" + status.transferredBytes();
  }

  private static void pause() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while following a transfer", e);
    }
  }
}
