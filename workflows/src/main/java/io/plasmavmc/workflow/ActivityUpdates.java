package io.plasmavmc.workflow;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.WorkflowException;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.client.WorkflowUpdateHandle;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An activity that sends another workflow an Update through the Temporal client and waits for
 * its result, heartbeating, so a dead worker is noticed in seconds (and its retry, sending the
 * same update id, joins the Update already sent). The other workflow's own failures end the
 * activity unretried, with their type; Temporal being unreachable and the like are retried.
 */
final class ActivityUpdates {
  private static final Duration BEAT = Duration.ofSeconds(1);

  private ActivityUpdates() {}

  /** Sends the Update, then waits for its result; {@code notFound} words the failure when the workflow does not exist. */
  static <T> T awaited(Supplier<WorkflowUpdateHandle<T>> send, Function<WorkflowNotFoundException, ApplicationFailure> notFound) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    try {
      CompletableFuture<T> result = send.get().getResultAsync();
      while (true) {
        try {
          return result.get(BEAT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          context.heartbeat(null);
        }
      }
    } catch (ExecutionException e) {
      throw failure(e.getCause(), notFound);
    } catch (WorkflowException e) {
      throw failure(e, notFound);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    }
  }

  private static RuntimeException failure(Throwable failure, Function<WorkflowNotFoundException, ApplicationFailure> notFound) {
    if (failure instanceof WorkflowNotFoundException missing) {
      return notFound.apply(missing);
    }
    if (failure instanceof WorkflowUpdateException update && update.getCause() instanceof ApplicationFailure app) {
      return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), app.getType());
    }
    if (failure instanceof ApplicationFailure app) {
      return ApplicationFailure.newNonRetryableFailure(app.getOriginalMessage(), app.getType());
    }
    return failure instanceof RuntimeException runtime ? runtime : new RuntimeException(failure);
  }
}
