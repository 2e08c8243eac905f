package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.CancelLifecycleTestRunRequest;
import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.ListLifecycleTestRunsRequest;
import io.plasmavmc.api.v1.ListLifecycleTestRunsResponse;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.contract.testrun.LifecycleTestPlan;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** plasmavmc.v1.LifecycleTestService: checks each request, then starts, reads or cancels the run's workflow. */
final class LifecycleTestService extends LifecycleTestServiceGrpc.LifecycleTestServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(LifecycleTestService.class);
  static final int DEFAULT_PAGE_SIZE = 20;
  static final int MAX_PAGE_SIZE = 100;

  private final LifecycleTestRuns runs;
  private final Duration hostTaskTimeout;

  LifecycleTestService(LifecycleTestRuns runs, Duration hostTaskTimeout) {
    this.runs = runs;
    this.hostTaskTimeout = hostTaskTimeout;
  }

  @Override
  public void runLifecycleTest(RunLifecycleTestRequest request, StreamObserver<LifecycleTestRun> response) {
    UnaryCalls.answer(log, "RunLifecycleTest", request.getRunId(), response, error -> true, () -> {
      LifecycleTestPlan plan = LifecycleTestRequests.plan(request, hostTaskTimeout);
      LifecycleTestReport report = runs.start(plan);
      log.info("RunLifecycleTest {}: {} ({} iterations, {} at a time, {})", plan.runId(), report.state(), plan.iterations(),
          plan.concurrency(), plan.hostId() == null ? "each VM placed" : "host " + plan.hostId());
      return LifecycleTestMapping.toProto(report, true);
    });
  }

  @Override
  public void getLifecycleTestRun(GetLifecycleTestRunRequest request, StreamObserver<LifecycleTestRun> response) {
    UnaryCalls.answer(log, "GetLifecycleTestRun", request.getRunId(), response, error -> error.getStatus().getCode() != Status.Code.NOT_FOUND,
        () -> LifecycleTestMapping.toProto(runs.get(LifecycleTestRequests.runId(request.getRunId())), true));
  }

  @Override
  public void listLifecycleTestRuns(ListLifecycleTestRunsRequest request, StreamObserver<ListLifecycleTestRunsResponse> response) {
    UnaryCalls.answer(log, "ListLifecycleTestRuns", "", response, error -> true, () -> {
      int pageSize = SpecMapping.unsigned(request.getPageSize());
      if (pageSize > MAX_PAGE_SIZE) {
        throw Requests.invalid("page_size", "must be at most " + MAX_PAGE_SIZE);
      }
      LifecycleTestRuns.Page page = runs.list(pageSize == 0 ? DEFAULT_PAGE_SIZE : pageSize, request.getPageToken());
      ListLifecycleTestRunsResponse.Builder result = ListLifecycleTestRunsResponse.newBuilder().setNextPageToken(page.nextPageToken());
      page.runs().forEach(run -> result.addRuns(LifecycleTestMapping.toProto(run, false)));
      return result.build();
    });
  }

  @Override
  public void cancelLifecycleTestRun(CancelLifecycleTestRunRequest request, StreamObserver<LifecycleTestRun> response) {
    UnaryCalls.answer(log, "CancelLifecycleTestRun", request.getRunId(), response, error -> true, () -> {
      LifecycleTestReport report = runs.cancel(LifecycleTestRequests.runId(request.getRunId()));
      log.info("CancelLifecycleTestRun {}: {} ({})", report.runId(), report.state(), report.reason());
      return LifecycleTestMapping.toProto(report, true);
    });
  }
}
