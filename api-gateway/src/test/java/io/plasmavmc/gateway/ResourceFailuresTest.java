package io.plasmavmc.gateway;

import static io.plasmavmc.gateway.StatusDetails.activityFailed;
import static io.plasmavmc.gateway.StatusDetails.detail;
import static io.plasmavmc.gateway.StatusDetails.host;
import static io.plasmavmc.gateway.StatusDetails.reason;
import static io.plasmavmc.gateway.StatusDetails.updateFailed;
import static io.plasmavmc.gateway.StatusDetails.workflowFailed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.VmOperation;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The snapshot and image failure reasons as gRPC statuses: the code, a stable reason, the resource named, nothing of the host told. */
class ResourceFailuresTest {
  /** What a host might write: its files are not the caller's business. */
  private static final String HOST_TEXT = "/var/lib/plasmavmc/vms/demo/disk0.qcow2: java.io.IOException: no such thing";

  private static void tellsNothingOfTheHost(StatusRuntimeException e) {
    String message = String.valueOf(e.getStatus().getDescription());
    assertFalse(message.contains("/var/lib") || message.contains("Exception"), message);
  }

  @ParameterizedTest(name = "{0} on {1}: {2} {3}")
  @CsvSource({
      "SnapshotNotFound, RESTORE_SNAPSHOT, NOT_FOUND, SNAPSHOT_NOT_FOUND",
      "SnapshotExists, SNAPSHOT, ALREADY_EXISTS, SNAPSHOT_EXISTS",
      "SnapshotUnsupported, SNAPSHOT, FAILED_PRECONDITION, SNAPSHOT_UNSUPPORTED",
      "SnapshotUnsupported, RESTORE_SNAPSHOT, FAILED_PRECONDITION, SNAPSHOT_UNSUPPORTED",
      "SnapshotUnsupported, DELETE_SNAPSHOT, FAILED_PRECONDITION, SNAPSHOT_UNSUPPORTED"})
  void aSnapshotFailureNamesTheVmAndTheSnapshot(String type, VmOperation operation, Status.Code code, String reason) {
    // Directly under the update's failure, or under the activity's that the workflow let through: the same answer.
    for (Throwable cause : List.of(host(type, HOST_TEXT), activityFailed(host(type, HOST_TEXT)))) {
      StatusRuntimeException status = SnapshotFailures.toStatus("demo", "before-upgrade", operation, updateFailed(cause));
      assertEquals(code, status.getStatus().getCode());
      assertEquals(reason, reason(status));
      assertEquals("before-upgrade", detail(status, ErrorInfo.class).getMetadataOrThrow("snapshot"));
      assertTrue(status.getStatus().getDescription().contains("demo"), status.getStatus().getDescription());
      tellsNothingOfTheHost(status);
      if (code == Status.Code.FAILED_PRECONDITION) {
        assertEquals("vms/demo", detail(status, PreconditionFailure.class).getViolations(0).getSubject());
      } else {
        ResourceInfo resource = detail(status, ResourceInfo.class);
        assertEquals(ErrorDetails.SNAPSHOT, resource.getResourceType());
        assertEquals("vms/demo/snapshots/before-upgrade", resource.getResourceName());
      }
    }
  }

  @Test
  void aDiskOnlySnapshotIntoARunningVmSaysToStopItFirst() {
    StatusRuntimeException status = SnapshotFailures.toStatus("demo", "cold", VmOperation.RESTORE_SNAPSHOT,
        updateFailed(host(FailureReasons.SNAPSHOT_UNSUPPORTED, HOST_TEXT)));
    assertTrue(status.getStatus().getDescription().contains("stop VM demo first"), status.getStatus().getDescription());
  }

  @Test
  void anotherFailureOfASnapshotOperationIsMappedAsAnyOperationsIs() {
    StatusRuntimeException illegal = SnapshotFailures.toStatus("demo", "s", VmOperation.SNAPSHOT,
        updateFailed(host(FailureReasons.ILLEGAL_TRANSITION, "VM demo is CREATING: cannot snapshot")));
    assertEquals(Status.Code.FAILED_PRECONDITION, illegal.getStatus().getCode());
    assertEquals("ILLEGAL_TRANSITION", reason(illegal));
  }

  @ParameterizedTest(name = "{0}: {1} {2}")
  @CsvSource({"ImageNotFound, NOT_FOUND, IMAGE_NOT_FOUND", "ImageExists, ALREADY_EXISTS, IMAGE_EXISTS",
      "ImageInUse, FAILED_PRECONDITION, IMAGE_IN_USE", "HostUnavailable, UNAVAILABLE, HOST_UNAVAILABLE"})
  void anImageFailureNamesTheImageAndTheHost(String type, Status.Code code, String reason) {
    for (Throwable cause : List.of(host(type, HOST_TEXT), activityFailed(host(type, HOST_TEXT)))) {
      StatusRuntimeException status = ImageFailures.toStatus("h1", "debian-12", workflowFailed(cause));
      assertEquals(code, status.getStatus().getCode());
      assertEquals(reason, reason(status));
      assertTrue(status.getStatus().getDescription().contains("h1"), status.getStatus().getDescription());
      tellsNothingOfTheHost(status);
    }
  }

  @Test
  void anImageInUseNamesTheVmsUsingIt() {
    StatusRuntimeException status = ImageFailures.inUse("h1", "debian-12", List.of("web", "db"));
    assertEquals(Status.Code.FAILED_PRECONDITION, status.getStatus().getCode());
    assertEquals("image debian-12 on host h1 backs the disks of VMs web, db: delete them first (or recreate them from another image)",
        status.getStatus().getDescription());
    assertEquals("web,db", detail(status, ErrorInfo.class).getMetadataOrThrow("vms"));
    PreconditionFailure.Violation violation = detail(status, PreconditionFailure.class).getViolations(0);
    assertEquals("IMAGE_IN_USE", violation.getType());
    assertEquals("hosts/h1/images/debian-12", violation.getSubject());
  }

  @Test
  void anUnforeseenHostFailureIsAnInternalErrorWithAnIdAndNoText() {
    StatusRuntimeException status = ImageFailures.toStatus("h1", "debian-12", workflowFailed(activityFailed(host("java.io.IOException",
        HOST_TEXT))));
    assertEquals(Status.Code.INTERNAL, status.getStatus().getCode());
    tellsNothingOfTheHost(status);
    assertTrue(ImageFailures.importReason("h1", "debian-12", workflowFailed(host("java.io.IOException", HOST_TEXT)))
        .startsWith("the import failed on the host: internal error (error "));
  }

  @Test
  void aVmCreatedOverAMissingImageIsNotFoundNamingTheImage() {
    StatusRuntimeException one = ImageFailures.missingForVm("web", "h1", List.of("debian-13"));
    assertEquals(Status.Code.NOT_FOUND, one.getStatus().getCode());
    assertEquals("VM web: image debian-13 is not in the image store of host h1 (vmctl image list shows what is)",
        one.getStatus().getDescription());
    assertEquals("hosts/h1/images/debian-13", detail(one, ResourceInfo.class).getResourceName());
    StatusRuntimeException either = ImageFailures.missingForVm("web", "h1", List.of("debian-12", "data"));
    assertEquals("debian-12,data", detail(either, ErrorInfo.class).getMetadataOrThrow("images"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({"ImageNotFound, NOT_FOUND, IMAGE_NOT_FOUND", "SnapshotNotFound, NOT_FOUND, SNAPSHOT_NOT_FOUND",
      "ImageExists, ALREADY_EXISTS, IMAGE_EXISTS", "SnapshotExists, ALREADY_EXISTS, SNAPSHOT_EXISTS",
      "ImageInUse, FAILED_PRECONDITION, IMAGE_IN_USE", "SnapshotUnsupported, FAILED_PRECONDITION, SNAPSHOT_UNSUPPORTED"})
  void theNewReasonsHaveTheirCodesWhereverTheyArrive(String type, Status.Code code, String reason) {
    // CreateVm over an image the host does not have fails its create update with IMAGE_NOT_FOUND, for one.
    StatusRuntimeException status = Failures.toStatus("demo", updateFailed(host(type, "spec.disks[0].image: no image debian-12 on host h1")));
    assertEquals(code, status.getStatus().getCode());
    assertEquals(reason, reason(status));
  }
}
