package io.plasmavmc.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.fleet.FleetClient;
import io.plasmavmc.contract.fleet.HostAdmission;
import io.plasmavmc.contract.fleet.HostInfo;
import io.plasmavmc.contract.fleet.HostLoad;
import io.plasmavmc.contract.fleet.HostWorkflow;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reporter against Temporal's test server, in real time, with a host workflow that records
 * what arrives: the registration, reports on a period and on a change of the VM count, and never
 * more than one report a gap. The period and gap are shortened (1 s and 200 ms instead of 10 s and 2 s).
 */
class HostReporterTest {
  private static final Duration PERIOD = Duration.ofSeconds(1);
  private static final Duration GAP = Duration.ofMillis(200);
  private static final HostInfo INFO = new HostInfo("kvm1", "10.0.0.11", 16, 64_000, "kvm", "8.2.2", Map.of("zone", "a"),
      new HostAdmission(100, 1.5, 4.0), Instant.parse("2026-12-01T10:00:00Z"));

  private TestWorkflowEnvironment temporal;
  private final AtomicInteger vms = new AtomicInteger(2);
  private final HostLoadProbe probe = new HostLoadProbe() {
    @Override
    public int runningVms() {
      return vms.get();
    }

    @Override
    public HostLoad load(long seq) {
      int count = vms.get();
      return new HostLoad(count, 2 * count, 512L * count, 30_000, Instant.now(), seq);
    }
  };

  @BeforeEach
  void start() {
    RecordingHostWorkflow.reset();
    temporal = TestWorkflowEnvironment.newInstance(TestEnvironmentOptions.newBuilder().setUseTimeskipping(false).build());
    Worker worker = temporal.newWorker(TaskQueues.CONTROL);
    worker.registerWorkflowImplementationTypes(RecordingHostWorkflow.class);
    temporal.start();
  }

  @AfterEach
  void stop() {
    temporal.close();
  }

  private HostReporter reporter() {
    return new HostReporter(new FleetClient(temporal.getWorkflowClient()), INFO, probe, PERIOD, GAP).start(Duration.ZERO);
  }

  @Test
  void registersTheHostThenReportsItsLoadOnAPeriod() throws InterruptedException {
    try (HostReporter ignored = reporter()) {
      await(() -> RecordingHostWorkflow.REPORTS.size() >= 3, Duration.ofSeconds(10));
    }
    assertEquals(List.of(INFO), RecordingHostWorkflow.REGISTERED, "registered once, as it is");
    List<HostLoad> reports = List.copyOf(RecordingHostWorkflow.REPORTS);
    assertEquals(new HostLoad(2, 4, 1024, 30_000, reports.get(0).observedAt(), 1), reports.get(0));
    for (int i = 1; i < reports.size(); i++) {
      assertEquals(i + 1, reports.get(i).seq(), "numbered in order");
      long apart = Duration.between(reports.get(i - 1).observedAt(), reports.get(i).observedAt()).toMillis();
      assertTrue(apart >= PERIOD.toMillis() - 100, "nothing changed: a report a period, not " + apart + " ms apart");
    }
  }

  @Test
  void aChangeOfTheVmCountIsReportedAtOnceButAtMostOnceAGap() throws InterruptedException {
    try (HostReporter ignored = reporter()) {
      await(() -> RecordingHostWorkflow.REPORTS.size() == 1, Duration.ofSeconds(10));
      Thread.sleep(300);
      Instant changed = Instant.now();
      vms.set(3);
      await(() -> last().vms() == 3, Duration.ofSeconds(5));
      long after = Duration.between(changed, last().observedAt()).toMillis();
      assertTrue(after < PERIOD.toMillis() - 200, "reported within a gap or so, not at the next period: " + after + " ms");

      // VMs come and go every 10 ms for 2 s: a report a gap at most, not one a change.
      int before = RecordingHostWorkflow.REPORTS.size();
      long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < end) {
        vms.incrementAndGet();
        Thread.sleep(10);
      }
      List<HostLoad> sent = List.copyOf(RecordingHostWorkflow.REPORTS.subList(before, RecordingHostWorkflow.REPORTS.size()));
      assertTrue(sent.size() >= 3 && sent.size() <= 2000 / GAP.toMillis() + 1, sent.size() + " reports in 2 s of changes every 10 ms");
      for (int i = 1; i < sent.size(); i++) {
        long apart = Duration.between(sent.get(i - 1).observedAt(), sent.get(i).observedAt()).toMillis();
        assertTrue(apart >= GAP.toMillis() - 20, "at most one report a gap, not " + apart + " ms apart");
      }
    }
  }

  @Test
  void aHostWhoseWorkflowWasEndedIsRegisteredAgainAndAClosedReporterSendsNothing() throws InterruptedException {
    HostReporter reporter = reporter();
    await(() -> RecordingHostWorkflow.REPORTS.size() >= 1, Duration.ofSeconds(10));
    WorkflowStub host = temporal.getWorkflowClient().newUntypedWorkflowStub(HostWorkflow.workflowId("kvm1"));
    host.terminate("an operator ended it in the Temporal UI");
    await(() -> RecordingHostWorkflow.REGISTERED.size() == 2, Duration.ofSeconds(10));
    int reports = RecordingHostWorkflow.REPORTS.size();
    await(() -> RecordingHostWorkflow.REPORTS.size() > reports, Duration.ofSeconds(10));

    reporter.close();
    int atClose = RecordingHostWorkflow.REPORTS.size();
    vms.set(7);
    Thread.sleep(3 * GAP.toMillis());
    assertEquals(atClose, RecordingHostWorkflow.REPORTS.size(), "the reporter stops with the worker");
  }

  private static HostLoad last() {
    List<HostLoad> reports = RecordingHostWorkflow.REPORTS;
    return reports.isEmpty() ? new HostLoad(-1, 0, 0, 0, null, 0) : reports.get(reports.size() - 1);
  }

  private static void await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + timeout);
      }
      Thread.sleep(20);
    }
  }
}
