package io.plasmavmc.cli;

import com.google.protobuf.Timestamp;
import io.plasmavmc.api.v1.LifecycleTestAttempt;
import io.plasmavmc.api.v1.LifecycleTestRun;
import io.plasmavmc.api.v1.PhaseTiming;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A lifecycle test run as JUnit XML, the report CI systems read (Jenkins, GitLab, LAVA's tools):
 * one testsuite for the run, one testcase per iteration, named after it, with the iteration's
 * time (all its attempts) and its phase timings as properties. A guest's fault is a failure
 * (reason and console in its body); the infrastructure's, when no retry was left, an error;
 * retried infrastructure faults and the outcome are properties, and so is the command that prints
 * the console its host kept ({@code console}); a cancelled, running or unstarted iteration is
 * skipped.
 */
final class JUnitReport {
  private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT);

  private final StringBuilder xml = new StringBuilder();

  private JUnitReport() {}

  static void write(Path file, LifecycleTestRun run) throws IOException {
    Path absolute = file.toAbsolutePath();
    // Whole or not at all: a CI job that reads the file never sees half a report.
    Path partial = Files.createTempFile(absolute.getParent(), ".junit-", ".xml");
    try {
      Files.writeString(partial, of(run), StandardCharsets.UTF_8);
      Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  static String of(LifecycleTestRun run) {
    JUnitReport report = new JUnitReport();
    report.suite(run);
    return report.xml.toString();
  }

  private record Iteration(int number, List<LifecycleTestAttempt> attempts) {
    LifecycleTestAttempt last() {
      return attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
    }

    String outcome() {
      return last() == null ? "not started" : VmPrinter.words(last().getOutcome().name().replace("ATTEMPT_OUTCOME_", ""));
    }

    long millis() {
      return attempts.stream().flatMap(a -> a.getTimingsList().stream()).mapToLong(PhaseTiming::getMillis).sum();
    }
  }

  private void suite(LifecycleTestRun run) {
    List<Iteration> iterations = new ArrayList<>();
    for (int i = 1; i <= Math.max(run.getIterations(), maxIteration(run)); i++) {
      int number = i;
      iterations.add(new Iteration(i, run.getAttemptsList().stream().filter(a -> a.getIteration() == number)
          .sorted(Comparator.comparingInt(LifecycleTestAttempt::getAttempt)).toList()));
    }
    long failures = iterations.stream().filter(it -> it.outcome().equals("guest failure")).count();
    long errors = iterations.stream().filter(it -> it.outcome().equals("infrastructure failure")).count();
    long skipped = iterations.stream().filter(it -> !it.outcome().equals("passed") && !it.outcome().endsWith(" failure")).count();
    String counts = attribute("tests", iterations.size()) + attribute("failures", failures) + attribute("errors", errors)
        + attribute("skipped", skipped) + attribute("time", seconds(runMillis(run, iterations)));
    xml.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.append("<testsuites").append(attribute("name", "plasmavmc lifecycle test " + run.getRunId())).append(counts).append(">\n");
    xml.append("  <testsuite").append(attribute("name", run.getRunId())).append(counts);
    if (run.hasStartedAt()) {
      // JUnit's schema: a local date and time without a zone (UTC here), to the second.
      xml.append(attribute("timestamp", TIMESTAMP.format(LocalDateTime.ofInstant(instant(run.getStartedAt()), ZoneOffset.UTC))));
    }
    xml.append(">\n    <properties>\n");
    property("    ", "state", run.getState().name().replace("LIFECYCLE_TEST_RUN_STATE_", ""));
    property("    ", "reason", run.getReason());
    property("    ", "infrastructure_retries", String.valueOf(run.getInfraRetries()));
    xml.append("    </properties>\n");
    iterations.forEach(iteration -> testCase(run, iteration));
    xml.append("  </testsuite>\n</testsuites>\n");
  }

  private void testCase(LifecycleTestRun run, Iteration iteration) {
    xml.append("    <testcase").append(attribute("name", run.getRunId() + "-" + iteration.number()))
        .append(attribute("classname", "plasmavmc.lifecycle-test." + run.getRunId())).append(attribute("time", seconds(iteration.millis())))
        .append(">\n      <properties>\n");
    property("      ", "outcome", iteration.outcome());
    property("      ", "attempts", String.valueOf(iteration.attempts().size()));
    LifecycleTestAttempt last = iteration.last();
    if (last != null) {
      property("      ", "vm", last.getVmName());
      if (last.getConsoleKept()) {
        property("      ", "console", TestRunPrinter.consoleCommand(run.getRunId(), last));
      }
      last.getTimingsList().forEach(timing -> property("      ", "phase." + timing.getPhase().replace(' ', '_') + ".ms",
          String.valueOf(timing.getMillis())));
    }
    for (LifecycleTestAttempt retried : iteration.attempts().subList(0, Math.max(0, iteration.attempts().size() - 1))) {
      property("      ", "infrastructure_retry." + retried.getAttempt(), retried.getVmName() + ": " + retried.getPhase() + ": " + retried.getReason());
    }
    xml.append("      </properties>\n");
    switch (iteration.outcome()) {
      case "passed" -> { }
      case "guest failure" -> problem("failure", "guest", run.getRunId(), last);
      case "infrastructure failure" -> problem("error", "infrastructure", run.getRunId(), last);
      case "running" -> skipped("still running, in " + last.getPhase());
      default -> skipped(iteration.outcome());
    }
    xml.append("    </testcase>\n");
  }

  /** A failure or error: where and why in its message; the reason, the console's end and where the rest is in its body. */
  private void problem(String element, String type, String runId, LifecycleTestAttempt attempt) {
    xml.append("      <").append(element).append(attribute("type", type))
        .append(attribute("message", attempt.getPhase() + ": " + attempt.getReason())).append(">")
        .append(XmlText.text(attempt.getReason()));
    if (!attempt.getConsoleExcerpt().isBlank()) {
      xml.append(XmlText.text("\n\nconsole of " + attempt.getVmName() + " (its end):\n" + attempt.getConsoleExcerpt()));
    }
    if (attempt.getConsoleKept()) {
      xml.append(XmlText.text("\n\nits console as its host kept it: " + TestRunPrinter.consoleCommand(runId, attempt)));
    }
    xml.append("</").append(element).append(">\n");
  }

  private void skipped(String why) {
    xml.append("      <skipped").append(attribute("message", why)).append("/>\n");
  }

  private void property(String indent, String name, String value) {
    xml.append(indent).append("  <property").append(attribute("name", name)).append(attribute("value", value)).append("/>\n");
  }

  private static String attribute(String name, Object value) {
    return " " + name + "=\"" + XmlText.attribute(String.valueOf(value)) + "\"";
  }

  private static int maxIteration(LifecycleTestRun run) {
    return run.getAttemptsList().stream().mapToInt(LifecycleTestAttempt::getIteration).max().orElse(0);
  }

  /** The run's own span when it has one; else the sum of its iterations. */
  private static long runMillis(LifecycleTestRun run, List<Iteration> iterations) {
    if (run.hasStartedAt() && run.hasEndedAt()) {
      return instant(run.getEndedAt()).toEpochMilli() - instant(run.getStartedAt()).toEpochMilli();
    }
    return iterations.stream().mapToLong(Iteration::millis).sum();
  }

  private static String seconds(long millis) {
    return String.format(Locale.ROOT, "%.3f", millis / 1000.0);
  }

  private static Instant instant(Timestamp ts) {
    return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
  }
}
