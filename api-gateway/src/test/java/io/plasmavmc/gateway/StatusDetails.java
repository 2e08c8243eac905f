package io.plasmavmc.gateway;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;

/** What the tests read of a status (its google.rpc details), and the Temporal failures the gateway meets, built as Temporal builds them. */
final class StatusDetails {
  private StatusDetails() {}

  static String reason(StatusRuntimeException e) {
    return detail(e, ErrorInfo.class).getReason();
  }

  static <T extends Message> T detail(StatusRuntimeException e, Class<T> type) {
    for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
      if (any.is(type)) {
        try {
          return any.unpack(type);
        } catch (InvalidProtocolBufferException unreadable) {
          throw new AssertionError(unreadable);
        }
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + e.getStatus());
  }

  /** A failure of {@code type} as a host activity raises it, under the activity's failure: as an update or a workflow sees it. */
  static ApplicationFailure host(String type, String message) {
    return ApplicationFailure.newNonRetryableFailure(message, type);
  }

  static WorkflowUpdateException updateFailed(Throwable cause) {
    return new WorkflowUpdateException(WorkflowExecution.newBuilder().setWorkflowId("vm-demo").build(), "u1", "snapshot", cause);
  }

  static WorkflowFailedException workflowFailed(Throwable cause) {
    return new WorkflowFailedException(WorkflowExecution.newBuilder().setWorkflowId("image-store-h1-x").build(), "ImageStoreWorkflow",
        EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, 5, RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, cause);
  }

  /** {@code cause} under the ActivityFailure a workflow gets when its activity fails. */
  static ActivityFailure activityFailed(Throwable cause) {
    return new ActivityFailure("activity failed", 5, 6, "ImageGetImage", "1", RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE, "worker", cause);
  }
}
