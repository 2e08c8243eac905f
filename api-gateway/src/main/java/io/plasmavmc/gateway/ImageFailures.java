package io.plasmavmc.gateway;

import com.google.rpc.Code;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.FailureReasons;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The failures of a call about a host's image store, as statuses naming the image and the host.
 * The messages are the gateway's own, made of the names the caller gave: what the host wrote
 * (which may name its files) stays in the workflow's history, and anything unforeseen reaches the
 * caller as an error id the gateway's log has.
 */
final class ImageFailures {
  private static final Logger log = LoggerFactory.getLogger(ImageFailures.class);

  private ImageFailures() {}

  static StatusRuntimeException toStatus(String hostId, String name, Throwable error) {
    ApplicationFailure failure = Failures.find(error, FailureReasons.IMAGE_NOT_FOUND, FailureReasons.IMAGE_EXISTS,
        FailureReasons.IMAGE_IN_USE, FailureReasons.INVALID_SPEC, FailureReasons.HOST_UNAVAILABLE, FailureReasons.HOST_TIMEOUT);
    if (failure == null) {
      // A workflow that failed otherwise failed on the host: its text is not for the caller.
      return error instanceof WorkflowFailedException ? Failures.internal(error) : Failures.toStatus("", error);
    }
    return switch (failure.getType()) {
      case FailureReasons.IMAGE_NOT_FOUND -> notFound(hostId, name);
      case FailureReasons.IMAGE_EXISTS -> exists(hostId, name);
      case FailureReasons.IMAGE_IN_USE -> inUse(hostId, name, List.of());
      // The host's own checks of a request write "field: description", as they do for a VM's spec.
      case FailureReasons.INVALID_SPEC -> ErrorDetails.invalidField(failure.getOriginalMessage());
      default -> hostUnavailable(hostId);
    };
  }

  static StatusRuntimeException notFound(String hostId, String name) {
    return ErrorDetails.resource(Code.NOT_FOUND, "no image " + name + " on host " + hostId, "IMAGE_NOT_FOUND",
        Map.of("image", name, "host", hostId), ErrorDetails.IMAGE, resource(hostId, name), "no such image in the host's image store");
  }

  static StatusRuntimeException exists(String hostId, String name) {
    return ErrorDetails.resource(Code.ALREADY_EXISTS, "image " + name + " exists already on host " + hostId, "IMAGE_EXISTS",
        Map.of("image", name, "host", hostId), ErrorDetails.IMAGE, resource(hostId, name),
        "an image of that name is in the store: delete it first, or import under another name");
  }

  /** {@code vms}: the VMs whose disks the image backs, as far as known. */
  static StatusRuntimeException inUse(String hostId, String name, List<String> vms) {
    String which = vms.isEmpty() ? "a VM" : (vms.size() == 1 ? "VM " : "VMs ") + String.join(", ", vms);
    String message = "image " + name + " on host " + hostId + " backs the disks of " + which + ": delete "
        + (vms.size() > 1 ? "them" : "it") + " first (or recreate " + (vms.size() > 1 ? "them" : "it") + " from another image)";
    return ErrorDetails.precondition(message, "IMAGE_IN_USE", Map.of("image", name, "host", hostId, "vms", String.join(",", vms)),
        "IMAGE_IN_USE", resource(hostId, name), "used by " + which);
  }

  /** VM {@code vm}'s creation on {@code hostId} found one of {@code images} (its spec's) missing: which one, the host's words would say. */
  static StatusRuntimeException missingForVm(String vm, String hostId, List<String> images) {
    String which = images.size() == 1 ? "image " + images.get(0) + " is" : "one of the images " + String.join(", ", images) + " is";
    return ErrorDetails.resource(Code.NOT_FOUND, "VM " + vm + ": " + which + " not in the image store of host " + hostId
        + " (vmctl image list shows what is)", "IMAGE_NOT_FOUND", Map.of("vm", vm, "host", hostId, "images", String.join(",", images)),
        ErrorDetails.IMAGE, resource(hostId, images.size() == 1 ? images.get(0) : "-"), "no such image in the host's image store");
  }

  static StatusRuntimeException importNotFound(String hostId, String name) {
    return ErrorDetails.resource(Code.NOT_FOUND, "no import of image " + name + " on host " + hostId, "IMPORT_NOT_FOUND",
        Map.of("image", name, "host", hostId), ErrorDetails.IMAGE_IMPORT, resource(hostId, name), "no such import (or it ended long ago)");
  }

  /** Why a failed import failed, for ImageImport.reason: the same words as the calls' statuses, never the host's. */
  static String importReason(String hostId, String name, Throwable error) {
    StatusRuntimeException status = toStatus(hostId, name, error);
    return status.getStatus().getCode() == Status.Code.INTERNAL ? "the import failed on the host: " + status.getStatus().getDescription()
        : status.getStatus().getDescription();
  }

  private static StatusRuntimeException hostUnavailable(String hostId) {
    log.info("host {} did not take up an image store task in time", hostId);
    return ErrorDetails.withReason(Status.UNAVAILABLE.withDescription("host " + hostId
        + ": no PlasmaVMC worker took up the task in time (is the host's worker running and connected to Temporal?)"), "HOST_UNAVAILABLE");
  }

  private static String resource(String hostId, String name) {
    return "hosts/" + hostId + "/images/" + name;
  }
}
