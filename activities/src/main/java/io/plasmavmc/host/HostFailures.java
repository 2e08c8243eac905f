package io.plasmavmc.host;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.qmp.QmpErrorException;
import io.plasmavmc.host.qmp.QmpTimeoutException;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptor;
import io.temporal.common.interceptors.ActivityInboundCallsInterceptorBase;
import io.temporal.common.interceptors.WorkerInterceptorBase;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;

/**
 * Host failures leave the host as {@link FailureReasons}, never as this room's exception class
 * names: the interceptor translates what an activity throws, and asynchronously completed
 * activities (monitors and long waits) translate with {@link #toFailure}. Anything not listed
 * stays as thrown, and Temporal retries it.
 */
public final class HostFailures extends WorkerInterceptorBase {
  private static final List<Map.Entry<Class<? extends RuntimeException>, String>> REASONS = List.of(
      Map.entry(InvalidSpecException.class, FailureReasons.INVALID_SPEC),
      Map.entry(SpawnFailedException.class, FailureReasons.SPAWN_FAILED),
      Map.entry(HostFullException.class, FailureReasons.HOST_FULL),
      Map.entry(HostBusyException.class, FailureReasons.HOST_BUSY),
      Map.entry(VmNotRunningException.class, FailureReasons.VM_NOT_RUNNING),
      Map.entry(VmStillRunningException.class, FailureReasons.VM_STILL_RUNNING),
      Map.entry(QmpTimeoutException.class, FailureReasons.QMP_TIMEOUT),
      Map.entry(QmpErrorException.class, FailureReasons.QMP_ERROR));

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
    if (thrown instanceof HostRefusedException refused) {
      return refused.reason();
    }
    for (Map.Entry<Class<? extends RuntimeException>, String> reason : REASONS) {
      if (reason.getKey().isInstance(thrown)) {
        return reason.getValue();
      }
    }
    return null;
  }
}
