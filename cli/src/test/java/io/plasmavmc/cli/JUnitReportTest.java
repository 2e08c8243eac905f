package io.plasmavmc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.plasmavmc.api.v1.AttemptOutcome;
import io.plasmavmc.api.v1.LifecycleTestAttempt;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.LifecycleTestRunState;
import io.plasmavmc.api.v1.PhaseTiming;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The JUnit XML of a lifecycle test run, read back by the JDK's XML parser as a CI system would read it. */
class JUnitReportTest extends FakeGatewayTest {
  /** What a console may hold: markup, a CDATA end, ANSI colours (ESC), NUL, a bell, emoji. */
  private static final String CONSOLE = "PLASMAVMC-GUEST-READY <ok> & \"quoted\" ]]>\n\u001b[31mred\u001b[0m \u0000\u0007 \ud83d\ude80 done";

  private static LifecycleTestAttempt attempt(int iteration, int attempt, AttemptOutcome outcome, String phase, String reason, long... millis) {
    List<String> phases = List.of("create", "ready", "checks", "stop", "delete");
    LifecycleTestAttempt.Builder built = LifecycleTestAttempt.newBuilder().setIteration(iteration).setAttempt(attempt)
        .setVmName("nightly-" + iteration + "-" + attempt).setOutcome(outcome).setPhase(phase).setReason(reason);
    for (int i = 0; i < millis.length; i++) {
      built.addTimings(PhaseTiming.newBuilder().setPhase(phases.get(i)).setMillis(millis[i]));
    }
    return built.build();
  }

  static LifecycleTestRun run() {
    return LifecycleTestRun.newBuilder().setRunId("nightly").setState(LifecycleTestRunState.LIFECYCLE_TEST_RUN_STATE_FAILED)
        .setIterations(5).setPassed(1).setFailed(2).setInfraRetries(1).setReason("1 of 5 iterations passed")
        .setStartedAt(Timestamp.newBuilder().setSeconds(1_796_119_200L)).setEndedAt(Timestamp.newBuilder().setSeconds(1_796_119_213L).setNanos(400_000_000))
        .addAttempts(attempt(1, 1, AttemptOutcome.ATTEMPT_OUTCOME_INFRASTRUCTURE_FAILURE, "create", "QEMU crashed: <signal 9>", 200))
        .addAttempts(attempt(1, 2, AttemptOutcome.ATTEMPT_OUTCOME_PASSED, "delete", "", 313, 3757, 37, 284, 193))
        .addAttempts(attempt(2, 1, AttemptOutcome.ATTEMPT_OUTCOME_GUEST_FAILURE, "checks", "expected /variant=x/ & not seen", 300, 3000, 10000)
            .toBuilder().setConsoleExcerpt(CONSOLE).setConsoleKept(true).build())
        .addAttempts(attempt(3, 1, AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED, "ready", "cancelled", 250))
        .addAttempts(attempt(4, 1, AttemptOutcome.ATTEMPT_OUTCOME_INFRASTRUCTURE_FAILURE, "create", "host unreachable", 15000))
        .build();
  }

  static Document parse(byte[] xml) throws Exception {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
  }

  private static List<Element> elements(Element parent, String tag) {
    NodeList nodes = parent.getElementsByTagName(tag);
    List<Element> list = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      list.add((Element) nodes.item(i));
    }
    return list;
  }

  private static Map<String, String> properties(Element testCase) {
    Map<String, String> properties = new LinkedHashMap<>();
    elements(testCase, "property").forEach(p -> properties.put(p.getAttribute("name"), p.getAttribute("value")));
    return properties;
  }

  @Test
  void aParserReadsOneSuiteOneCaseAnIterationWithTimingsFailuresAndRetries() throws Exception {
    Document report = parse(JUnitReport.of(run()).getBytes(StandardCharsets.UTF_8));
    Element suite = elements(report.getDocumentElement(), "testsuite").get(0);
    assertEquals("nightly", suite.getAttribute("name"));
    assertEquals(List.of("5", "1", "1", "2", "13.400", "2026-12-01T10:00:00"), List.of(suite.getAttribute("tests"), suite.getAttribute("failures"),
        suite.getAttribute("errors"), suite.getAttribute("skipped"), suite.getAttribute("time"), suite.getAttribute("timestamp")));

    List<Element> cases = elements(suite, "testcase");
    assertEquals(List.of("nightly-1", "nightly-2", "nightly-3", "nightly-4", "nightly-5"), cases.stream().map(c -> c.getAttribute("name")).toList());
    assertEquals("4.784", cases.get(0).getAttribute("time"), "the iteration's total, its retried attempt included");
    Map<String, String> first = properties(cases.get(0));
    assertEquals("passed", first.get("outcome"));
    assertEquals("2", first.get("attempts"));
    assertEquals("3757", first.get("phase.ready.ms"));
    assertEquals("nightly-1-1: create: QEMU crashed: <signal 9>", first.get("infrastructure_retry.1"));
    assertEquals(0, elements(cases.get(0), "failure").size() + elements(cases.get(0), "skipped").size());

    Element failure = elements(cases.get(1), "failure").get(0);
    assertEquals("guest", failure.getAttribute("type"));
    assertEquals("checks: expected /variant=x/ & not seen", failure.getAttribute("message"));
    assertTrue(failure.getTextContent().startsWith("expected /variant=x/ & not seen\n\nconsole of nightly-2-1 (its end):\n"
        + "PLASMAVMC-GUEST-READY <ok> & \"quoted\" ]]>\n\ufffd[31mred\ufffd[0m \ufffd\ufffd \ud83d\ude80 done"), failure.getTextContent());
    assertTrue(failure.getTextContent().endsWith("\n\nits console as its host kept it: vmctl test-console nightly nightly-2-1"),
        failure.getTextContent());
    assertEquals("vmctl test-console nightly nightly-2-1", properties(cases.get(1)).get("console"));
    assertEquals(null, first.get("console"), "no console kept: no command to read it");

    assertEquals("cancelled", elements(cases.get(2), "skipped").get(0).getAttribute("message"));
    assertEquals("infrastructure", elements(cases.get(3), "error").get(0).getAttribute("type"));
    assertEquals("not started", elements(cases.get(4), "skipped").get(0).getAttribute("message"));
  }

  @Test
  void attributesKeepTheirLineBreaksAndEveryHostileCharacterIsReadBack() throws Exception {
    String reason = "line one\nline two\t\"<&>\"\r\u0001\ud800";
    LifecycleTestRun run = LifecycleTestRun.newBuilder().setRunId("x").setIterations(1).setReason(reason)
        .addAttempts(attempt(1, 1, AttemptOutcome.ATTEMPT_OUTCOME_GUEST_FAILURE, "ready", reason)).build();
    Document report = parse(JUnitReport.of(run).getBytes(StandardCharsets.UTF_8));
    Element failure = elements(report.getDocumentElement(), "failure").get(0);
    assertEquals("ready: line one\nline two\t\"<&>\"\r\ufffd\ufffd", failure.getAttribute("message"));
  }

  @Test
  void testAndTestReportWriteTheReportWhereAsked() throws Exception {
    Path file = configDir.resolve("report.xml");
    Result watched = call("test", "passing", "--test-guest", "graceful", "--junit", file.toString());
    assertEquals(0, watched.code(), watched.err());
    assertTrue(watched.err().contains("JUnit report: " + file), watched.err());
    assertEquals("1", parse(Files.readAllBytes(file)).getDocumentElement().getAttribute("tests"));

    Result failed = call("test-report", "failing", "--junit", file.toString());
    assertEquals(1, failed.code());
    assertEquals("FAILED", properties(elements(parse(Files.readAllBytes(file)).getDocumentElement(), "testsuite").get(0)).get("state"));
  }
}
