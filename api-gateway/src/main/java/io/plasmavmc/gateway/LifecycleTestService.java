package io.plasmavmc.gateway;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.plasmavmc.api.v1.CancelLifecycleTestRunRequest;
import io.plasmavmc.api.v1.ConsoleLog;
import io.plasmavmc.api.v1.GetLifecycleTestAttemptConsoleRequest;
import io.plasmavmc.api.v1.GetLifecycleTestRunRequest;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunEvent;
import io.plasmavmc.api.v1.LifecycleTestServiceGrpc;
import io.plasmavmc.api.v1.ListLifecycleTestRunsRequest;
import io.plasmavmc.api.v1.ListLifecycleTestRunsResponse;
import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.api.v1.WatchLifecycleTestRunRequest;
import io.plasmavmc.contract.host.HostActivities;
import io.plasmavmc.contract.testrun.LifecycleTestPlan;
import io.plasmavmc.contract.testrun.LifecycleTestReport;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * plasmavmc.v1.LifecycleTestService: checks each request, then starts, reads, watches or cancels
 * the run's workflow, or reads a console its host kept.
 */
final class LifecycleTestService extends LifecycleTestServiceGrpc.LifecycleTestServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(LifecycleTestService.class);
  static final int DEFAULT_PAGE_SIZE = 20;
  static final int MAX_PAGE_SIZE = 100;
  static final int DEFAULT_CONSOLE_BYTES = 64 * 1024;

  private final LifecycleTestRuns runs;
  private final LifecycleTestWatcher watcher;
  private final Duration hostTaskTimeout;

  LifecycleTestService(LifecycleTestRuns runs, LifecycleTestWatcher watcher, Duration hostTaskTimeout) {
    this.runs = runs;
    this.watcher = watcher;
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

  @Override
  public void watchLifecycleTestRun(WatchLifecycleTestRunRequest request, StreamObserver<LifecycleTestRunEvent> response) {
    try {
      watcher.watch(LifecycleTestRequests.runId(request.getRunId()), (ServerCallStreamObserver<LifecycleTestRunEvent>) response);
    } catch (StatusRuntimeException e) {
      response.onError(e);
    }
  }

  @Override
  public void getLifecycleTestAttemptConsole(GetLifecycleTestAttemptConsoleRequest request, StreamObserver<ConsoleLog> response) {
    UnaryCalls.answer(log, "GetLifecycleTestAttemptConsole", request.getVmName(), response, error -> false, () -> {
      String runId = LifecycleTestRequests.runId(request.getRunId());
      String vmName = Requests.name("vm_name", request.getVmName());
      int maxBytes = Requests.maxBytes("max_bytes", request.getMaxBytes(), DEFAULT_CONSOLE_BYTES, HostActivities.MAX_ARCHIVED_CONSOLE_BYTES);
      return VmMapping.consoleLog(runs.keptConsole(runId, vmName, maxBytes));
    });
  }
}
