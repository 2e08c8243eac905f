package io.plasmavmc.host.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.host.Heartbeats;
import io.plasmavmc.host.qmp.QmpClient;
import io.plasmavmc.host.qmp.QmpErrorException;
import io.plasmavmc.host.qmp.QmpEvent;
import io.plasmavmc.host.qmp.QmpException;
import io.plasmavmc.host.qmp.QmpReply;
import io.plasmavmc.support.DaemonThreads;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QEMU's background jobs (snapshot-save, snapshot-load, snapshot-delete) as the host runs them:
 * started under the caller's job id, waited for, their error read, dismissed. A snapshot job runs
 * in QEMU's main loop, which then answers no command: every command here waits in a thread of its
 * own, as long as the job may take, while the caller heartbeats. A job that a worker crash left
 * behind is found by its id and finished the same way.
 */
final class QmpJobs {
  private static final Logger log = LoggerFactory.getLogger(QmpJobs.class);
  /** How long a job may hold QEMU's monitor: the save of a large guest's RAM. */
  private static final Duration JOB_TIMEOUT = Duration.ofMinutes(30);
  private static final ExecutorService CALLS = Executors.newCachedThreadPool(DaemonThreads.named("qmp-job-call"));
  private static final Pattern HOST_PATH = Pattern.compile("/[^\\s'\",]+");

  private final QmpClient qmp;
  private final String vmId;

  QmpJobs(QmpClient qmp, String vmId) {
    this.qmp = qmp;
    this.vmId = vmId;
  }

  /** Starts job {@code jobId} ({@code command} with {@code arguments}, which name the job) and waits until it ends. */
  void run(String command, Map<String, Object> arguments, String jobId) {
    BlockingQueue<String> changes = new LinkedBlockingQueue<>();
    Consumer<QmpEvent> listener = listener(jobId, command, changes);
    qmp.addEventListener(listener);
    try {
      call(command, arguments);
      await(jobId, changes);
    } finally {
      qmp.removeEventListener(listener);
    }
  }

  /** Waits for job {@code jobId} if QEMU has it, and ends it; returns whether it had. Fails as the job did. */
  boolean finish(String jobId) {
    BlockingQueue<String> changes = new LinkedBlockingQueue<>();
    Consumer<QmpEvent> listener = listener(jobId, null, changes);
    qmp.addEventListener(listener);
    try {
      Optional<JsonNode> left = job(jobId);
      if (left.isEmpty()) {
        return false;
      }
      log.info("VM {}: {} job {}, which an earlier attempt started, is {} in QEMU: finishing it", vmId,
          left.get().path("type").asText("QEMU"), jobId, left.get().path("status").asText());
      return await(jobId, changes);
    } finally {
      qmp.removeEventListener(listener);
    }
  }

  /** Hands job {@code jobId}'s status changes to {@code changes}; says when the job of {@code command} (null: none started here) runs. */
  private Consumer<QmpEvent> listener(String jobId, String command, BlockingQueue<String> changes) {
    return event -> {
      if ("JOB_STATUS_CHANGE".equals(event.name()) && jobId.equals(event.data().path("id").asText())) {
        String status = event.data().path("status").asText();
        if (command != null && status.equals("running")) {
          // Said on QEMU's event, not on its reply to the command: the reply comes once the job's
          // work is done. From here on a worker that dies leaves the job to the next attempt.
          log.info("VM {}: {} running in QEMU as job {}", vmId, command, jobId);
        }
        changes.add(status);
      }
    };
  }

  /** Waits until job {@code jobId} has concluded, reads its error and dismisses it; false if QEMU has no such job. */
  private boolean await(String jobId, BlockingQueue<String> changes) {
    while (true) {
      Optional<JsonNode> job = job(jobId);
      if (job.isEmpty()) {
        return false;
      }
      if ("concluded".equals(job.get().path("status").asText())) {
        call("job-dismiss", Map.of("id", jobId));
        if (job.get().hasNonNull("error")) {
          String command = job.get().path("type").asText("job");
          throw new QmpErrorException(command, "JobFailed", HOST_PATH.matcher(job.get().path("error").asText()).replaceAll("<host file>"));
        }
        return true;
      }
      try {
        changes.poll(250, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new QmpException("interrupted while waiting for QEMU job " + jobId, e);
      }
      Heartbeats.beat("QEMU job " + jobId + ": " + job.get().path("status").asText());
    }
  }

  private Optional<JsonNode> job(String jobId) {
    for (JsonNode job : call("query-jobs", null).value()) {
      if (jobId.equals(job.path("id").asText())) {
        return Optional.of(job);
      }
    }
    return Optional.empty();
  }

  /** A command that may wait behind a job: sent from a thread of its own, the caller heartbeating meanwhile. */
  private QmpReply call(String command, Map<String, ?> arguments) {
    CompletableFuture<QmpReply> reply = CompletableFuture.supplyAsync(() -> qmp.call(command, arguments, JOB_TIMEOUT), CALLS);
    while (true) {
      try {
        return reply.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        Heartbeats.beat("QEMU busy with a job; waiting for " + command);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException failure ? failure : new QmpException(command + " failed", e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new QmpException("interrupted while waiting for QMP " + command, e);
      }
    }
  }
}
