package io.plasmavmc.host.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much CPU QEMU yields to the host's worker when the two compete: QEMU runs niced by
 * {@code nice} (0 to 19; 0: as the worker). A host full of guests must still report and pick up
 * its work, or the fleet takes it for lost (issue 20: 300 TCG guests filled two cores and the
 * worker starved). Two levers, for the kernel may schedule either way:
 * <ul>
 * <li>{@code nice -n N} before QEMU's own command: its threads' nice value. This orders QEMU
 * against the worker where both are in one scheduling group.</li>
 * <li>the nice value of QEMU's autogroup, written to {@code /proc/<pid>/autogroup} once it runs:
 * QEMU starts in a session of its own (setsid), and where the kernel groups sessions
 * (sched_autogroup, the default on most distributions without a cgroup CPU controller in the
 * way) each session gets an equal share whatever its threads' nice values. 300 QEMUs were 300
 * groups against the worker's one: it got a 301st of the CPU. Niced 5, each QEMU group weighs
 * about a third of the worker's (335 against 1024).</li>
 * </ul>
 * Either lever missing (no autogroups, a kernel that refuses) leaves QEMU as it is: said once.
 */
public final class QemuPriority {
  private static final Logger log = LoggerFactory.getLogger(QemuPriority.class);
  private static final Path NICE = Path.of("/usr/bin/nice");
  /**
   * The lowest priority: guests compete with each other as equals and still get all the CPU the
   * host's own services do not use; an idle control plane takes nothing from them.
   */
  public static final int DEFAULT_NICE = 19;

  private final int nice;
  private volatile boolean autogroupRefused;

  public QemuPriority(int nice) {
    if (nice < 0 || nice > 19) {
      throw new IllegalArgumentException("QEMU's nice value must be 0 to 19: " + nice);
    }
    this.nice = nice;
  }

  public int nice() {
    return nice;
  }

  /** What goes before QEMU's command (after setsid, before a change of user): nice, or nothing at 0. */
  public List<String> prefix() {
    return nice == 0 ? List.of() : List.of(NICE.toString(), "-n", Integer.toString(nice));
  }

  /** Gives the autogroup of the QEMU just started (a session of its own) the same nice value. */
  public void applyToSession(long pid) {
    if (nice == 0 || autogroupRefused) {
      return;
    }
    Path autogroup = Path.of("/proc", Long.toString(pid), "autogroup");
    if (!Files.exists(autogroup)) {
      return; // a kernel without autogroups: the threads' nice value is what counts
    }
    try {
      Files.writeString(autogroup, Integer.toString(nice), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      autogroupRefused = true;
      log.warn("cannot set the nice value of QEMU's session ({}: {}); QEMU's sessions weigh as much as the worker's", autogroup,
          e.getMessage());
    }
  }
}
