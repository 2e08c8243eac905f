package io.plasmavmc.host;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.qmp.QmpErrorException;
import io.plasmavmc.host.qmp.QmpTimeoutException;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;

/**
 * Host failures leave the host as {@link FailureReasons}, never as this room's exception class
 * names: the interceptor translates what an activity throws, and asynchronously completed
 * activities (the watchers') translate with {@link #toFailure}. Anything not listed stays as
 * thrown, and Temporal retries it.
 */
public final class HostFailures extends WorkerInterceptorBase {
  @Override
  public ActivityInboundCallsInterceptor interceptActivity(ActivityInboundCallsInterceptor next) {
    return new ActivityInboundCallsInterceptorBase(next) {
      @Override
      public ActivityOutput execute(ActivityInput input) {
        try {
          return super.execute(input);
        } catch (RuntimeException e) {
          throw toFailure(e);
        }
      }
    };
  }

  /** The failure {@code thrown} leaves the host as: a non-retryable one with its reason, or itself. */
  public static RuntimeException toFailure(Throwable thrown) {
    String reason = reason(thrown);
    if (reason != null) {
      return ApplicationFailure.newNonRetryableFailure(thrown.getMessage(), reason);
    }
    return thrown instanceof RuntimeException runtime ? runtime : new RuntimeException(thrown);
  }

  private static String reason(Throwable thrown) {
    if (thrown instanceof InvalidSpecException) {
      return FailureReasons.INVALID_SPEC;
    }
    if (thrown instanceof SpawnFailedException) {
      return FailureReasons.SPAWN_FAILED;
    }
    if (thrown instanceof HostFullException) {
      return FailureReasons.HOST_FULL;
    }
    if (thrown instanceof VmNotRunningException) {
      return FailureReasons.VM_NOT_RUNNING;
    }
    if (thrown instanceof VmStillRunningException) {
      return FailureReasons.VM_STILL_RUNNING;
    }
    if (thrown instanceof QmpTimeoutException) {
      return FailureReasons.QMP_TIMEOUT;
    }
    if (thrown instanceof QmpErrorException) {
      return FailureReasons.QMP_ERROR;
    }
    return null;
  }
}
