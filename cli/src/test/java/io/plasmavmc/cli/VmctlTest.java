package io.plasmavmc.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.VmState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** vmctl against a fake gateway on a real port: what a user sees, and the exit code a script sees. */
class VmctlTest extends FakeGatewayTest {
  @Test
  void optionsGoBeforeOrAfterTheCommand() {
    Result details = vmctl("--server", gateway.target(), "get", "demo");
    assertEquals(0, details.code(), details.err());
    assertTrue(details.out().startsWith("name:        demo\nstate:       RUNNING (guest is running)\n"), details.out());
    assertTrue(details.out().contains("qemu:        pid 4242, run state running\n"), details.out());

    for (Result json : List.of(vmctl("get", "demo", "--json", "--server", gateway.target()),
        vmctl("--json", "get", "--server=" + gateway.target(), "demo"))) {
      assertEquals(0, json.code(), json.err());
      assertTrue(json.out().contains("\"state\": \"VM_STATE_RUNNING\""), json.out());
    }
  }

  @Test
  void listShowsOneLineAVmAndPassesItsFilter() {
    Result list = vmctl("list", "--state", "host-unreachable", "--server", gateway.target());
    assertEquals(0, list.code(), list.err());
    assertEquals(VmState.VM_STATE_HOST_UNREACHABLE, vms.listed.getState());
    assertEquals(List.of(
        "NAME                     STATE      HOST           PID      QEMU         REASON",
        "demo                     RUNNING    h1             4242     running      guest is running",
        "web                      PAUSED     h1             4242     paused       paused by request"), list.out().lines().toList());
  }

  @Test
  void createWithWaitShowsTheStatesItPasses() {
    Result created = vmctl("create", "slow", "--test-guest", "graceful", "--start", "--wait", "--server", gateway.target());
    assertEquals(0, created.code(), created.err());
    List<String> progress = created.err().lines().toList();
    assertEquals("creating slow and starting it...", progress.get(0));
    assertEquals("  CREATING (starting QEMU on host h1)", progress.get(1));
    assertTrue(progress.get(2).matches("  RUNNING after \\d+ ms"), created.err());
    assertTrue(vms.created.getSpec().getKernel().endsWith("/vmlinuz"), vms.created.toString());
    assertEquals(Accelerator.ACCELERATOR_TCG, vms.created.getSpec().getAccelerator(), "the test guest boots anywhere under TCG");
  }

  @Test
  void migrateWithWatchShowsItsPhasesAndAFailedOneExits5() {
    Result moved = vmctl("migrate", "mover", "--to", "h2", "--max-bandwidth", "200", "--watch", "--server", gateway.target());
    assertEquals(0, moved.code(), moved.err());
    List<String> progress = moved.err().lines().toList();
    assertEquals("migrating mover to host h2...", progress.get(0));
    assertEquals("  migrating to host h2: sending RAM and devices (at most 200 MiB/s, 300 ms of downtime)", progress.get(1));
    assertTrue(progress.get(2).matches("  on host h2 after \\d+ ms"), moved.err());
    assertTrue(moved.out().contains("h2"), moved.out());
    assertEquals("h2", vms.migrated.getTargetHostId());
    assertEquals(200, vms.migrated.getMaxBandwidthMibps());
    assertEquals(0, vms.migrated.getMaxDowntimeMs(), "the gateway's default");
    assertTrue(!vms.migrated.getRequestId().isEmpty(), "a request id of its own, so a retry joins the migration");

    Result failed = vmctl("migrate", "failing", "--server", gateway.target());
    assertEquals(5, failed.code(), failed.err());
    assertTrue(failed.err().contains("undone: the VM is RUNNING on host h1 as before"), failed.err());
    assertEquals("", vms.migrated.getTargetHostId(), "no --to: placement chooses");
  }

  @ParameterizedTest(name = "{0} exits {1}")
  @CsvSource({"NOT_FOUND, 3", "INVALID_ARGUMENT, 4", "OUT_OF_RANGE, 4", "FAILED_PRECONDITION, 5", "ALREADY_EXISTS, 5", "ABORTED, 5",
      "PERMISSION_DENIED, 6", "RESOURCE_EXHAUSTED, 7", "DEADLINE_EXCEEDED, 8", "UNAVAILABLE, 9", "INTERNAL, 10", "UNKNOWN, 10"})
  void aFailedCallExitsWithTheCodeOfItsKind(Status.Code code, int exit) {
    Result failed = vmctl("get", code.name(), "--server", gateway.target());
    assertEquals(exit, failed.code(), failed.err());
    assertEquals("vmctl: " + code + ": fake failure\n", failed.err());
  }

  @Test
  void errorsNameTheFieldTheStateAndTheReason() {
    Result invalid = vmctl("create", "big", "--memory", "1", "--server", gateway.target());
    assertEquals(4, invalid.code());
    assertEquals("vmctl: INVALID_ARGUMENT: spec.memory_mib: must be between 16 and 4194304\n  reason INVALID_FIELD\n"
        + "  field spec.memory_mib: must be between 16 and 4194304\n", invalid.err());

    Result illegal = vmctl("pause", "stopped", "--server", gateway.target());
    assertEquals(5, illegal.code());
    assertTrue(illegal.err().contains("vmctl: FAILED_PRECONDITION: VM stopped is STOPPED: cannot pause"), illegal.err());
    assertTrue(illegal.err().contains("  vm/stopped: is STOPPED; allowed: RUNNING\n"), illegal.err());

    Result missing = vmctl("get", "missing", "--server", gateway.target());
    assertEquals(3, missing.code());
    assertEquals("vmctl: NOT_FOUND: VM missing not found\n  reason VM_NOT_FOUND\n", missing.err());
  }

  @Test
  void aCallWithoutTheRightTokenExits6AndSaysWhereTheTokenComesFrom() throws IOException {
    Files.writeString(LocalToken.file(configDir), "wrong\n");
    Result refused = vmctl("list", "--server", gateway.target());
    assertEquals(6, refused.code());
    assertTrue(refused.err().startsWith("vmctl: UNAUTHENTICATED: no valid bearer token\n"), refused.err());
    assertTrue(refused.err().contains(LocalToken.file(configDir).toString()), refused.err());

    Path tokenFile = configDir.resolve("operator.token");
    Files.writeString(tokenFile, FakeGateway.TOKEN);
    assertEquals(0, vmctl("list", "--token-file", tokenFile.toString(), "--server", gateway.target()).code());
  }

  @Test
  void aGatewayThatDoesNotAnswerExits9NamingItsAddress() {
    String nowhere = gateway.target();
    gateway.close();
    Result unreachable = vmctl("list", "--server", nowhere);
    assertEquals(9, unreachable.code());
    assertTrue(unreachable.err().startsWith("vmctl: UNAVAILABLE: "), unreachable.err());
    assertTrue(unreachable.err().contains("the gateway at " + nowhere), unreachable.err());
  }

  @Test
  void aBadCommandLineExits2AndSendsNothing() {
    for (String[] args : List.of(new String[] {"get"}, new String[] {"get", "demo", "--bogus"}, new String[] {"lst"},
        new String[] {"create", "x", "--memory", "lots"}, new String[] {"create", "x", "--accel", "fast"},
        new String[] {"create", "x", "--initrd", "/i.img"}, new String[] {"list", "--state", "asleep"},
        new String[] {"test", "r", "--exec", " =3"}, new String[] {"get", "demo", "--cert", "c.pem"},
        new String[] {"get", "demo", "--token-file", "/no/such/file"})) {
      Result bad = vmctl(Stream.concat(Stream.of(args), Stream.of("--server", gateway.target())).toArray(String[]::new));
      assertEquals(2, bad.code(), String.join(" ", args) + ": " + bad.err());
      assertTrue(bad.err().startsWith("vmctl: "), bad.err());
    }
    assertEquals(List.of(), gateway.calls);
    assertEquals(2, vmctl().code(), "no command: the usage");
  }

  @Test
  void helpListsEveryCommandAndTheExitCodes() {
    Result help = vmctl("--help");
    assertEquals(0, help.code());
    for (String command : List.of("create", "start", "stop", "pause", "resume", "reboot", "delete", "migrate", "get", "list", "watch",
        "console-log", "orphans", "snapshot", "image", "host", "test", "test-report", "test-console", "test-list", "test-cancel", "completion")) {
      assertTrue(help.out().contains("\n  " + command + " "), command + " in\n" + help.out());
    }
    for (ExitCode exit : ExitCode.values()) {
      assertTrue(help.out().contains("\n  " + exit.code() + " "), exit + " in\n" + help.out());
    }
    Result stopHelp = vmctl("stop", "--help");
    assertEquals(0, stopHelp.code());
    assertTrue(stopHelp.out().contains("--timeout=SECONDS"), stopHelp.out());
  }

  @Test
  void theCompletionScriptOffersCommandsOptionsAndValues() {
    Result completion = vmctl("completion");
    assertEquals(0, completion.code(), completion.err());
    String script = completion.out();
    assertTrue(script.contains("complete -F _complete_vmctl"), "a bash completion function for vmctl");
    for (String word : List.of("console-log", "test-report", "--ready-pattern", "--wait-ready", "\"graceful\" \"stubborn\" \"agent\"",
        "host_unreachable", "image", "import-status", "snapshot", "restore", "--image", "--disk-size", "--cloud-init-user-data",
        "--keep-disks", "--junit", "--convert", "cordon", "uncordon", "drain", "--reason", "--placement", "\"spread\" \"pack\"",
        "--label")) {
      assertTrue(script.contains(word), word);
    }
  }

  @Test
  void aWatchedTestRunExits1WhenItFailsAnd0WhenItPasses() {
    Result failing = vmctl("test", "failing", "--test-guest", "graceful", "--exec", "/bin/false=1", "--watch", "--server", gateway.target());
    assertEquals(1, failing.code(), failing.err());
    assertTrue(failing.out().startsWith("lifecycle test failing: FAILED"), failing.out());
    assertEquals("PLASMAVMC-GUEST-READY", tests.started.getSpec().getReadiness().getSerialPattern(), "the test guest's marker");
    assertEquals(1, tests.started.getChecks().getCommands(0).getExpectedExitCode());

    Result passing = vmctl("test", "passing", "--test-guest", "graceful", "--watch", "--server", gateway.target());
    assertEquals(0, passing.code(), passing.err());
    assertTrue(passing.out().contains("\nready                     1     2500     2500     2500\n"), passing.out());

    assertEquals(1, vmctl("test-report", "cancelled", "--server", gateway.target()).code());
  }

  /** --watch follows the run's stream: each attempt as it starts, moves on and ends, then the report; it never polls. */
  @Test
  void aWatchedTestRunShowsItsAttemptsAsTheStreamBringsThem() {
    Result failing = call("test", "failing", "--test-guest", "graceful", "--watch");
    assertEquals(1, failing.code(), failing.err());
    assertEquals(List.of(
        "  0/1 passed, 0 failed, 0 running, 0 infrastructure retries",
        "  failing-1-1: started (iteration 1, attempt 1)",
        "  failing-1-1: ready",
        "  failing-1-1: guest failure after 2.8 s in checks: `/bin/false` exited 1, expected 0",
        "  0/1 passed, 1 failed, 0 running, 0 infrastructure retries"), failing.err().lines().toList());
    assertTrue(failing.out().contains("failing-1-1 (iteration 1, attempt 1): guest failure in checks: `/bin/false` exited 1, expected 0\n"
        + "  whole console: vmctl test-console failing failing-1-1\n"), failing.out());
    assertEquals(List.of("RunLifecycleTest", "WatchLifecycleTestRun"), gateway.calls);

    Result joined = call("test", "joined", "--test-guest", "graceful", "--watch");
    assertEquals(0, joined.code(), joined.err());
    assertEquals(List.of(
        "  0/1 passed, 0 failed, 1 running, 0 infrastructure retries",
        "  joined-1-1: started (iteration 1, attempt 1)",
        "  joined-1-1: ready",
        "  joined-1-1: passed after 2.8 s",
        "  1/1 passed, 0 failed, 0 running, 0 infrastructure retries"), joined.err().lines().toList(),
        "a run watched while its attempt runs shows that attempt as it is");
  }

  @Test
  void aStreamThatBreaksSaysHowToFindTheRunAgainAndExitsWithItsStatus() {
    Result broken = call("test", "broken", "--test-guest", "graceful", "--junit", configDir.resolve("r.xml").toString());
    assertEquals(9, broken.code(), broken.err());
    assertTrue(broken.err().contains("vmctl: lost the stream of lifecycle test broken before it ended; the run goes on: "
        + "vmctl test-report broken shows it, vmctl test broken --watch follows it again\n"), broken.err());
    assertTrue(broken.err().contains("vmctl: UNAVAILABLE: the gateway is going away"), broken.err());
  }

  @Test
  void testConsolePrintsWhatTheHostKeptOfAnAttempt() {
    Result whole = call("test-console", "failing", "failing-1-1");
    assertEquals(0, whole.code(), whole.err());
    assertEquals(FakeLifecycleTestService.KEPT_CONSOLE, whole.out());
    assertEquals("", whole.err());

    Result end = call("test-console", "failing", "failing-1-1", "--bytes", "23");
    assertEquals("the guest's last words\n", end.out());
    assertEquals("(last 23 of " + FakeLifecycleTestService.KEPT_CONSOLE.length() + " bytes)\n", end.err());

    Result none = call("test-console", "passing", "passing-1-1");
    assertEquals(3, none.code());
    assertTrue(none.err().contains("reason CONSOLE_NOT_KEPT"), none.err());
  }
}
