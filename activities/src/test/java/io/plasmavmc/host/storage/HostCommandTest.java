package io.plasmavmc.host.storage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** A host command that ends with the worker that started it: a copy a retry redoes is not left running beside the retry's. */
class HostCommandTest {
  /**
   * A worker (a JVM of its own) runs a long command made to end with it, prints the command's pid
   * (the shell's, which execs the command) and waits for it.
   */
  public static final class Worker {
    public static void main(String[] args) {
      HostCommand.run("a long copy", HostCommand.endingWithThisProcess(List.of("/bin/sh", "-c", "echo $$; exec sleep 600")), Map.of(),
          Duration.ofMinutes(15), System.out::println);
    }
  }

  @Test
  void aCommandMadeToEndWithTheWorkerEndsWhenTheWorkerIsSigkilled() throws Exception {
    Process worker = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
        Worker.class.getName()).redirectErrorStream(true).start();
    ProcessHandle command = null;
    try {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(worker.getInputStream(), StandardCharsets.UTF_8))) {
        long pid = Long.parseLong(out.readLine().trim());
        command = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("the command runs while its worker does"));
      }
      worker.destroyForcibly(); // SIGKILL: the worker runs no code of its own to end what it started
      assertTrue(worker.waitFor(30, TimeUnit.SECONDS));
      try {
        command.onExit().get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("the command outlived its SIGKILLed worker (it sleeps for ten minutes)", e);
      }
    } finally {
      worker.destroyForcibly();
      if (command != null) {
        command.destroyForcibly(); // should this test fail, it leaves no sleeper behind
      }
    }
  }
}
