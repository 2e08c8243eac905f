package io.plasmavmc.gateway;

import io.plasmavmc.api.v1.RunLifecycleTestRequest;
import io.plasmavmc.contract.spec.GuestCommand;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.ReadinessProbe;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.contract.testrun.LifecycleTestPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** A RunLifecycleTest request checked field by field (INVALID_ARGUMENT names the field) and turned into a plan. */
final class LifecycleTestRequests {
  static final Pattern RUN_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
  static final int MAX_EXPECTATIONS = 16;
  static final int MAX_COMMANDS = 16;
  static final int MAX_ARGS = 64;
  static final int MAX_ARG_LENGTH = 4096;
  static final int MAX_STOP_TIMEOUT_SECONDS = 3600;

  private LifecycleTestRequests() {}

  static String runId(String value) {
    if (value == null || value.isEmpty()) {
      throw Requests.invalid("run_id", "is required");
    }
    if (!RUN_ID.matcher(value).matches()) {
      throw Requests.invalid("run_id", "must be 1-40 characters of lowercase letters, digits and '-', starting with a letter or digit");
    }
    return value;
  }

  /** The run's plan; without a host_id each of its VMs is placed by the fleet (null host). */
  static LifecycleTestPlan plan(RunLifecycleTestRequest request, Duration hostTaskTimeout) {
    String runId = runId(request.getRunId());
    String hostId = request.getHostId().isEmpty() ? null : Requests.name("host_id", request.getHostId());
    VmSpec spec;
    try {
      // Each VM gets its own name; the spec is checked once under the first one's.
      spec = SpecMapping.fromProto(runId + "-1-1", request.getSpec());
    } catch (InvalidSpecException e) {
      throw ErrorDetails.invalidField(e.getMessage());
    }
    if (spec.readiness() == null) {
      throw Requests.invalid("spec.readiness", "is required: a lifecycle test waits for the guest (a serial pattern or the guest agent)");
    }
    int iterations = SpecMapping.unsigned(request.getIterations());
    if (iterations < 1 || iterations > LifecycleTestPlan.MAX_ITERATIONS) {
      throw Requests.invalid("iterations", "must be between 1 and " + LifecycleTestPlan.MAX_ITERATIONS);
    }
    int concurrency = SpecMapping.unsigned(request.getConcurrency());
    if (concurrency > LifecycleTestPlan.MAX_CONCURRENCY) {
      throw Requests.invalid("concurrency", "must be at most " + LifecycleTestPlan.MAX_CONCURRENCY);
    }
    int stopTimeout = SpecMapping.unsigned(request.getStopTimeoutSeconds());
    if (stopTimeout > MAX_STOP_TIMEOUT_SECONDS) {
      throw Requests.invalid("stop_timeout_seconds", "must be at most " + MAX_STOP_TIMEOUT_SECONDS);
    }
    int retries = SpecMapping.unsigned(request.getInfraRetries());
    if (retries > LifecycleTestPlan.MAX_INFRA_RETRIES) {
      throw Requests.invalid("infra_retries", "must be at most " + LifecycleTestPlan.MAX_INFRA_RETRIES);
    }
    if (request.getNoInfraRetries() && retries > 0) {
      throw Requests.invalid("no_infra_retries", "contradicts infra_retries = " + retries);
    }
    retries = request.getNoInfraRetries() ? 0 : retries == 0 ? LifecycleTestPlan.DEFAULT_INFRA_RETRIES : retries;
    return new LifecycleTestPlan(runId, spec, hostId, iterations, concurrency == 0 ? 1 : concurrency,
        expectations(request), commands(request, spec), request.getReboot(), stopTimeout, retries, hostTaskTimeout);
  }

  private static List<String> expectations(RunLifecycleTestRequest request) {
    List<String> patterns = request.getChecks().getSerialExpectationsList();
    if (patterns.size() > MAX_EXPECTATIONS) {
      throw Requests.invalid("checks.serial_expectations", "must be at most " + MAX_EXPECTATIONS);
    }
    for (int i = 0; i < patterns.size(); i++) {
      String field = "checks.serial_expectations[" + i + "]";
      String pattern = patterns.get(i);
      if (pattern.isEmpty()) {
        throw Requests.invalid(field, "must not be empty");
      }
      try {
        ReadinessProbe.checkPattern(field, pattern);
      } catch (InvalidSpecException e) {
        throw ErrorDetails.invalidField(e.getMessage());
      }
    }
    return patterns;
  }

  private static List<GuestCommand> commands(RunLifecycleTestRequest request, VmSpec spec) {
    List<io.plasmavmc.api.v1.GuestCommand> given = request.getChecks().getCommandsList();
    if (given.size() > MAX_COMMANDS) {
      throw Requests.invalid("checks.commands", "must be at most " + MAX_COMMANDS);
    }
    if (!given.isEmpty() && !spec.guestAgent()) {
      throw Requests.invalid("checks.commands", "need spec.guest_agent: the guest agent runs them");
    }
    List<GuestCommand> commands = new ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      io.plasmavmc.api.v1.GuestCommand command = given.get(i);
      String field = "checks.commands[" + i + "]";
      if (!command.getPath().startsWith("/") || !printable(command.getPath())) {
        throw Requests.invalid(field + ".path", "must be an absolute path of 1-" + MAX_ARG_LENGTH + " printable characters");
      }
      if (command.getArgsCount() > MAX_ARGS) {
        throw Requests.invalid(field + ".args", "must be at most " + MAX_ARGS);
      }
      for (int a = 0; a < command.getArgsCount(); a++) {
        String arg = command.getArgs(a);
        if (arg.length() > MAX_ARG_LENGTH || arg.chars().anyMatch(c -> c == 0)) {
          throw Requests.invalid(field + ".args[" + a + "]", "must be at most " + MAX_ARG_LENGTH + " characters, without NUL");
        }
      }
      int timeout = SpecMapping.unsigned(command.getTimeoutSeconds());
      if (timeout > GuestCommand.MAX_TIMEOUT_SECONDS) {
        throw Requests.invalid(field + ".timeout_seconds", "must be at most " + GuestCommand.MAX_TIMEOUT_SECONDS);
      }
      commands.add(new GuestCommand(command.getPath(), command.getArgsList(), command.getExpectedExitCode(), timeout));
    }
    return commands;
  }

  private static boolean printable(String text) {
    return !text.isEmpty() && text.length() <= MAX_ARG_LENGTH && text.chars().allMatch(c -> c >= 0x20 && c != 0x7f);
  }
}
