package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.StatusDetails.detail;
import static io.plasmavmc.gateway.StatusDetails.reason;
import static io.plasmavmc.gateway.StatusDetails.updateFailed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.FailureReasons;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A host that is alive but too busy (issue 20) is RESOURCE_EXHAUSTED with reason HOST_BUSY, the
 * host named and a delay to retry after: never UNAVAILABLE, which says the host is lost. And the
 * creating call's deadline becomes how long its creation waits for such a host.
 */
class BusyHostStatusTest {
  @Test
  void aBusyHostIsResourceExhaustedNamingTheHostWithARetryDelay() {
    ApplicationFailure busy = ApplicationFailure.newNonRetryableFailure("host h1 is busy: its worker reports but did not pick up "
        + "\"spawn QEMU and start the guest (create)\" within 118 s (the operation's deadline); nothing was done, retry later",
        FailureReasons.HOST_BUSY, "h1");
    StatusRuntimeException status = Failures.toStatus("web", updateFailed(busy));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getStatus().getCode());
    assertEquals("HOST_BUSY", reason(status));
    assertEquals("h1", detail(status, ErrorInfo.class).getMetadataOrThrow("host"));
    assertTrue(status.getStatus().getDescription().startsWith("host h1 is busy"), status.getStatus().getDescription());
    assertEquals(Failures.BUSY_RETRY_AFTER.toMillis(), Durations.toMillis(detail(status, RetryInfo.class).getRetryDelay()));
  }

  @Test
  void anUnreachableHostStaysUnavailable() {
    ApplicationFailure gone = ApplicationFailure.newNonRetryableFailure("host h1 is unreachable: its worker stopped reporting",
        FailureReasons.HOST_UNAVAILABLE, "h1");
    StatusRuntimeException status = Failures.toStatus("web", updateFailed(gone));
    assertEquals(Status.Code.UNAVAILABLE, status.getStatus().getCode());
    assertEquals("HOST_UNAVAILABLE", reason(status));
  }

  @Test
  void aCallsDeadlineLessAMarginIsHowLongItsCreationWaits() {
    assertNull(CallDeadlines.busyHostWait(null), "no deadline: the workflow's default");
    Duration wait = CallDeadlines.busyHostWait(Deadline.after(60, TimeUnit.SECONDS));
    assertTrue(wait.compareTo(Duration.ofSeconds(57)) > 0 && wait.compareTo(Duration.ofSeconds(58)) <= 0, wait.toString());
    assertEquals(CallDeadlines.LEAST, CallDeadlines.busyHostWait(Deadline.after(500, TimeUnit.MILLISECONDS)));
  }
}
