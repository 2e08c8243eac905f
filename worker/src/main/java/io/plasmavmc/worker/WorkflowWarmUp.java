package io.plasmavmc.worker;

import com.google.protobuf.util.JsonFormat;
import io.temporal.api.history.v1.History;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.worker.Worker;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a recorded VM history (created, crashed, deleted) on the control worker before it polls.
 * A cold JVM took 0.6–0.9 s here, and about 2 s on a busy CI machine, for its first VM workflow task
 * (class loading and interpreted code on the replay path): that first task is typically the exit
 * of a QEMU that died while the worker was down, so the VM stayed RUNNING that long after the
 * worker's return. Replaying once beforehand pays that cost before anyone waits on it.
 */
final class WorkflowWarmUp {
  private static final Logger log = LoggerFactory.getLogger(WorkflowWarmUp.class);
  static final String HISTORY = "/histories/vm-crash-v2.json";

  private WorkflowWarmUp() {}

  /**
   * Best effort: a warm-up that fails costs only the speed it would have bought.
   *
   * @return whether the history replayed
   */
  static boolean run(Worker control) {
    long started = System.nanoTime();
    try (InputStream in = WorkflowWarmUp.class.getResourceAsStream(HISTORY)) {
      if (in == null) {
        log.warn("no warm-up history {} on the class path; the first VM workflow task will be slower", HISTORY);
        return false;
      }
      // The file holds proto names (EVENT_TYPE_…): protobuf's own JSON parser reads it, without the
      // JSONPath library WorkflowExecutionHistory.fromJson needs.
      History.Builder history = History.newBuilder();
      JsonFormat.parser().ignoringUnknownFields()
          .merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), history);
      control.replayWorkflowExecution(new WorkflowExecutionHistory(history.build(), "warm-up"));
      log.info("VM workflow code warmed up by a replay in {} ms", (System.nanoTime() - started) / 1_000_000);
      return true;
    } catch (Exception e) {
      log.warn("warm-up replay failed ({}); the first VM workflow task will be slower", e.toString());
      return false;
    }
  }
}
