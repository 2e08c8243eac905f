package io.plasmavmc.gateway;

import io.plasmavmc.api.v1.MigrateVmRequest;
import io.plasmavmc.contract.MigrateRequest;

/** A MigrateVm request checked field by field (each refusal names its field) and turned into the workflow's MigrateRequest. */
final class MigrationRequests {
  private MigrationRequests() {}

  static MigrateRequest of(MigrateVmRequest request) {
    String target = request.getTargetHostId().isEmpty() ? null : Requests.name("target_host_id", request.getTargetHostId());
    int bandwidth = SpecMapping.unsigned(request.getMaxBandwidthMibps());
    if (bandwidth > MigrateRequest.MAX_BANDWIDTH_MIBPS) {
      throw Requests.invalid("max_bandwidth_mibps", "must be at most " + MigrateRequest.MAX_BANDWIDTH_MIBPS + " (MiB/s)");
    }
    int downtime = SpecMapping.unsigned(request.getMaxDowntimeMs());
    if (downtime > MigrateRequest.MAX_DOWNTIME_MS) {
      throw Requests.invalid("max_downtime_ms", "must be at most " + MigrateRequest.MAX_DOWNTIME_MS + " (ms)");
    }
    String requestId = Requests.requestId(request.getRequestId());
    return new MigrateRequest(target, bandwidth, downtime, requestId.isEmpty() ? null : requestId);
  }
}
