package io.plasmavmc.host;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCanceledException;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.ActivityNotExistsException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Activities that hand their wait to one of the host's pools (a VM's monitor, a console or agent
 * wait) and return without completing: no thread or activity slot waits. The pool asks
 * {@code wanted} every few seconds, which heartbeats the activity (false once it was cancelled or
 * timed out, or its workflow is gone: the wait ends), and the activity completes with the wait's
 * result, its failure leaving the host as a reason ({@link HostFailures}).
 */
final class ActivityCompletions {
  private static final Logger log = LoggerFactory.getLogger(ActivityCompletions.class);

  private ActivityCompletions() {}

  /** Starts {@code wait} for the running activity and tells Temporal that it completes later; returns null for the activity. */
  static <T> T completeLater(String vmId, String what, Function<BooleanSupplier, CompletableFuture<T>> wait) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    byte[] taskToken = context.getTaskToken();
    ActivityCompletionClient completion = context.getWorkflowClient().newActivityCompletionClient();
    context.doNotCompleteOnReturn();
    wait.apply(() -> {
      try {
        completion.heartbeat(taskToken, null);
        return true;
      } catch (ActivityCanceledException | ActivityNotExistsException e) {
        return false;
      } catch (RuntimeException e) {
        log.debug("VM {}: {} heartbeat failed ({}); trying again", vmId, what, e.getMessage());
        return true;
      }
    }).whenComplete((result, failure) -> {
      try {
        if (failure == null) {
          completion.complete(taskToken, result);
        } else if (!(failure instanceof CancellationException)) {
          completion.completeExceptionally(taskToken, HostFailures.toFailure(failure));
        }
      } catch (ActivityNotExistsException | ActivityCanceledException e) {
        log.debug("VM {}: {} ended after its activity: {}", vmId, what, e.getMessage());
      } catch (RuntimeException e) {
        log.warn("VM {}: cannot complete the {} activity: {}", vmId, what, e.toString());
      }
    });
    return null;
  }
}
