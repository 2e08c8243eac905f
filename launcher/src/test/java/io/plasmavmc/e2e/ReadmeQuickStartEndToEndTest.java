package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.plasmavmc.api.v1.GetVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.cli.Vmctl;
import io.plasmavmc.host.testing.TestGuest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * README's "Five minutes with vmctl", run as written: every command of its console block, read
 * from README.md, goes through vmctl to a real stack (dev server, worker, QEMU), and is checked as
 * its reader checks it: the exit code, the state it prints, the lines the README shows. Between
 * commands the test waits for the guest to finish booting, as a person typing the next one would.
 */
class ReadmeQuickStartEndToEndTest {
  /** The host of the session the README shows. */
  private static final String README_HOST = "vm";
  /** A progress line of create --wait for a state it passed: printed only when its poll saw that state. */
  private static final Pattern PASSING_STATE = Pattern.compile(" {2}[A-Z_]+ \\(.*\\)");

  private static PlasmaVmcHarness plasma;

  private String vm;
  private String state = "";
  /** How often the guest of the current QEMU process has booted: each boot prints the marker once. */
  private int boots;
  private CompletableFuture<Integer> watch;
  private final Watched watched = new Watched();

  /** What watch prints; its first line says it is subscribed. */
  private static final class Watched extends ByteArrayOutputStream {
    final CompletableFuture<String> firstLine = new CompletableFuture<>();

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
      super.write(bytes, offset, length);
      String text = toString(StandardCharsets.UTF_8);
      if (text.contains("\n")) {
        firstLine.complete(text.substring(0, text.indexOf('\n')));
      }
    }
  }

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(15));
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  @Test
  void theQuickStartRunsAsWritten() throws Exception {
    List<ReadmeConsole.Step> session = ReadmeConsole.session(ReadmeConsole.readme(), "## Five minutes with vmctl");
    assertTrue(session.size() >= 10, "the quick start's commands: " + session);
    for (ReadmeConsole.Step step : session) {
      assertEquals("./vmctl", step.program(), step.line());
      if (boots > 0) {
        TestGuest.awaitReady(plasma.vmDir(vm).resolve("serial.log"), boots, Duration.ofSeconds(90));
      }
      if (step.verb().equals("watch")) {
        watch = CompletableFuture.supplyAsync(() -> vmctl(step, new PrintStream(watched, true, StandardCharsets.UTF_8)));
        awaitWatching(step);
        continue;
      }
      ByteArrayOutputStream terminal = new ByteArrayOutputStream();
      int code = vmctl(step, new PrintStream(terminal, true, StandardCharsets.UTF_8));
      String printed = terminal.toString(StandardCharsets.UTF_8);
      assertEquals(0, code, step.line() + " exited " + code + ":\n" + printed);
      assertShown(step, printed);
      check(step, printed);
    }
    assertTrue(watch != null, "the quick start watches its VM");
  }

  private int vmctl(ReadmeConsole.Step step, PrintStream terminal) {
    String[] args = Stream.concat(step.args().stream(), Stream.of("--server", "127.0.0.1:" + plasma.stack.grpcPort()))
        .toArray(String[]::new);
    return new Vmctl(terminal, terminal, plasma.configDir).run(args);
  }

  /** What a reader of the README checks after each command. */
  private void check(ReadmeConsole.Step step, String printed) throws Exception {
    switch (step.verb()) {
      case "create" -> {
        vm = step.args().get(step.args().indexOf("create") + 1);
        boolean start = step.args().contains("--start");
        printsState(step, printed, start ? "RUNNING" : "CREATED");
        boots = start ? 1 : 0;
      }
      case "list" -> assertTrue(printed.lines().anyMatch(row -> row.matches(vm + "\\s+" + state + "\\s.*")),
          step.line() + " lists " + vm + " " + state + ":\n" + printed);
      case "pause" -> {
        printsState(step, printed, "PAUSED");
        assertEquals("paused", vm().getQemuRunState(), "QEMU reports the pause");
      }
      case "resume" -> printsState(step, printed, "RUNNING");
      case "reboot" -> {
        printsState(step, printed, "RUNNING");
        boots++;
      }
      case "stop" -> {
        printsState(step, printed, "STOPPED");
        assertEquals("the guest powered off", vm().getStateReason(), "the guest heard the power button");
        boots = 0;
      }
      case "start" -> {
        printsState(step, printed, "RUNNING");
        boots = 1;
      }
      case "get" -> assertTrue(step.args().contains("--json") ? printed.contains("\"state\": \"VM_STATE_" + state + "\"")
          : printed.contains("\nstate:       " + state + " ("), step.line() + " shows " + state + ":\n" + printed);
      case "console-log" -> assertTrue(printed.contains(TestGuest.READY_MARKER), "the guest's console:\n" + printed);
      case "orphans" -> assertEquals("no orphan QEMU processes on host e2e-host\n", printed);
      case "host" -> assertTrue(printed.lines().anyMatch(row -> row.matches("e2e-host\\s+READY\\s.*")),
          step.line() + " lists the stack's host, ready:\n" + printed);
      case "delete" -> deleted(step, printed);
      default -> fail("README runs `" + step.line() + "`: this test does not know what its reader checks; add it here");
    }
  }

  private void printsState(ReadmeConsole.Step step, String printed, String expected) {
    assertTrue(printed.contains("\nstate:       " + expected + " ("), step.line() + " prints state " + expected + ":\n" + printed);
    assertEquals(expected, vm().getState().name().replace("VM_STATE_", ""), "GetVm after " + step.line());
    state = expected;
  }

  private void deleted(ReadmeConsole.Step step, String printed) throws Exception {
    assertTrue(printed.contains("state:       DELETED ("), step.line() + " prints state DELETED:\n" + printed);
    StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, this::vm);
    assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    assertEquals(0, watch.get(30, TimeUnit.SECONDS), "watch ends when the VM is deleted:\n" + watched);
    List<String> events = watched.toString(StandardCharsets.UTF_8).lines().toList();
    assertTrue(events.get(events.size() - 1).matches("\\S+ {2}DELETED .*"), "watch's last event:\n" + String.join("\n", events));
  }

  /** Watch prints the VM's state as it subscribes: from then on it sees every change. */
  private void awaitWatching(ReadmeConsole.Step step) throws Exception {
    String first = CompletableFuture.anyOf(watched.firstLine, watch).get(30, TimeUnit.SECONDS) instanceof String line ? line
        : fail(step.line() + " ended before its first event (exit " + watch.get() + "):\n" + watched);
    assertTrue(first.matches("\\S+ {2}" + state + " .*"), "watch begins with the VM's state " + state + ": " + first);
  }

  /** The lines the README shows under a command appear, in that order, in what it printed. */
  private static void assertShown(ReadmeConsole.Step step, String printed) {
    List<String> lines = new ArrayList<>(printed.lines().toList());
    int at = 0;
    for (String shown : step.shown()) {
      if (PASSING_STATE.matcher(shown).matches()) {
        continue;
      }
      Pattern pattern = ReadmeConsole.shownLine(shown, README_HOST);
      while (at < lines.size() && !pattern.matcher(lines.get(at)).matches()) {
        at++;
      }
      assertTrue(at < lines.size(), "README shows '" + shown + "' under " + step.line() + "; vmctl printed:\n" + printed);
      at++;
    }
  }

  private Vm vm() {
    return plasma.vms.getVm(GetVmRequest.newBuilder().setName(vm).build());
  }
}
