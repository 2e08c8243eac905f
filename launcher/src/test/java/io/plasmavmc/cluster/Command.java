package io.plasmavmc.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One program run to its end (an argument list, never a shell line), bounded in time, its output
 * kept for the message when it fails. Environment variables given here are the only place a
 * secret goes: never the argument list, which every user of the machine can read in /proc.
 */
final class Command {
  private final List<String> arguments;
  private final Map<String, String> environment;
  private final boolean cleanEnvironment;
  private Path directory;

  private Command(List<String> arguments, Map<String, String> environment, boolean cleanEnvironment) {
    this.arguments = List.copyOf(arguments);
    this.environment = Map.copyOf(environment);
    this.cleanEnvironment = cleanEnvironment;
  }

  static Command of(String... arguments) {
    return new Command(List.of(arguments), Map.of(), false);
  }

  static Command of(List<String> arguments) {
    return new Command(arguments, Map.of(), false);
  }

  /** The same program with only {@code environment} (and nothing inherited from this JVM). */
  Command withOnlyEnvironment(Map<String, String> variables) {
    Command command = new Command(arguments, variables, true);
    command.directory = directory;
    return command;
  }

  Command in(Path workingDirectory) {
    Command command = new Command(arguments, environment, cleanEnvironment);
    command.directory = workingDirectory;
    return command;
  }

  /** Runs it; its output (stdout and stderr) if it exits 0 within {@code limit}, else an exception quoting the output's end. */
  String run(Duration limit) {
    Result result = attempt(limit);
    if (result.exitCode() != 0) {
      throw new IllegalStateException(this + (result.exitCode() == TIMED_OUT ? " did not end within " + limit.toSeconds() + " s"
          : " failed (exit " + result.exitCode() + ")") + ":\n" + tail(result.output(), 20));
    }
    return result.output();
  }

  static final int TIMED_OUT = -1;

  record Result(int exitCode, String output) {}

  /** Runs it and returns how it ended (exit code {@link #TIMED_OUT} if it was killed at the limit). */
  Result attempt(Duration limit) {
    Path output = null;
    try {
      output = Files.createTempFile("plasmavmc-cluster-command", ".log");
      // Into a file, not a pipe: a chatty program never blocks on a full pipe, and Surefire's own
      // stdout channel is never inherited.
      ProcessBuilder builder = new ProcessBuilder(arguments).redirectErrorStream(true).redirectOutput(output.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      if (directory != null) {
        builder.directory(directory.toFile());
      }
      if (cleanEnvironment) {
        builder.environment().clear();
      }
      builder.environment().putAll(environment);
      Process process = builder.start();
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        return new Result(TIMED_OUT, Files.readString(output, StandardCharsets.UTF_8));
      }
      return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + this + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + this, e);
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException e) {
          // a temporary file left in /tmp
        }
      }
    }
  }

  /** The last {@code lines} lines of {@code text}. */
  static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  @Override
  public String toString() {
    return "`" + String.join(" ", arguments) + "`";
  }
}
