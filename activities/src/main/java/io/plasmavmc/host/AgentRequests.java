package io.plasmavmc.host;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.contract.host.GuestExecResult;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.host.qga.GuestAgentClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/** What the host asks of a guest's agent, each in one connection: to power the guest off, to run a command. */
final class AgentRequests {
  static final int MAX_OUTPUT = 4 * 1024;
  private static final Duration ANSWER = Duration.ofSeconds(5);

  private AgentRequests() {}

  /**
   * Asks the guest to power off through its agent: true if the agent answered a guest-sync
   * within {@code timeout} and was sent guest-shutdown, false if no agent answered.
   */
  static boolean shutdown(Path socket, Duration timeout) {
    try (GuestAgentClient agent = GuestAgentClient.connect(socket, timeout)) {
      if (!agent.sync(timeout)) {
        return false;
      }
      agent.shutdown();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Runs {@code command} through the guest agent: guest-exec, then guest-exec-status every 50 ms
   * (heartbeating) until the command exits or its time runs out.
   */
  static GuestExecResult exec(Path socket, GuestCommand command) {
    try (GuestAgentClient agent = GuestAgentClient.connect(socket, ANSWER)) {
      if (!agent.sync(ANSWER)) {
        return GuestExecResult.noAgent("the guest agent did not answer guest-sync within " + ANSWER.toSeconds() + " s");
      }
      long pid = agent.exec(command.path(), command.args(), ANSWER);
      long deadline = System.nanoTime() + Duration.ofSeconds(command.timeoutSeconds()).toNanos();
      while (true) {
        JsonNode status = agent.execStatus(pid, ANSWER);
        if (status.path("exited").asBoolean(false)) {
          return new GuestExecResult(GuestExecResult.Outcome.EXITED, status.path("exitcode").asInt(-1),
              decoded(status.path("out-data")), decoded(status.path("err-data")));
        }
        if (System.nanoTime() > deadline) {
          return new GuestExecResult(GuestExecResult.Outcome.TIMED_OUT, -1, "", "");
        }
        Heartbeats.beat("guest command " + command.path() + " runs as guest pid " + pid);
        Thread.sleep(50);
      }
    } catch (GuestAgentClient.GuestAgentException e) {
      return new GuestExecResult(GuestExecResult.Outcome.EXITED, -1, "", "the guest agent refused: " + e.getMessage());
    } catch (IOException e) {
      return GuestExecResult.noAgent("no guest agent on the VM's channel (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return GuestExecResult.noAgent("interrupted");
    }
  }

  /** The end of base64 output, as text (at most {@link #MAX_OUTPUT} bytes). */
  private static String decoded(JsonNode data) {
    if (data.isMissingNode() || data.isNull()) {
      return "";
    }
    byte[] bytes = Base64.getDecoder().decode(data.asText());
    int from = Math.max(0, bytes.length - MAX_OUTPUT);
    return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
  }
}
