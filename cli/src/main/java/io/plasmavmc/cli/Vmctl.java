package io.plasmavmc.cli;

import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** vmctl: a command-line client of plasmavmc.v1.VmService, in the spirit of virsh. */
public final class Vmctl {
  private static final int HELP_WIDTH = 110;

  private final PrintStream out;
  private final PrintStream err;
  /** Where the local stack's admin token lies (see {@link LocalToken}). */
  private final Path configDir;

  public Vmctl(PrintStream out, PrintStream err, Path configDir) {
    this.out = out;
    this.err = err;
    this.configDir = configDir;
  }

  public static void main(String[] args) {
    System.exit(new Vmctl(System.out, System.err, LocalToken.defaultDir()).run(args));
  }

  /** Runs one command line; returns its exit code (see {@link ExitCode}). */
  public int run(String... args) {
    return commandLine(new VmctlCommand(out, err, configDir), args).execute(args);
  }

  private CommandLine commandLine(VmctlCommand vmctl, String[] args) {
    CommandLine commandLine = new Commands().tree(vmctl, args);
    commandLine.setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .setParameterExceptionHandler(this::badCommandLine)
        .setExecutionExceptionHandler((e, command, parsed) -> failed(e, vmctl));
    commandLine.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCode.helpList());
    layOut(commandLine);
    return commandLine;
  }

  /** Each command's help, its subcommands' too: its own options first, then those every command takes. */
  private static void layOut(CommandLine command) {
    UsageMessageSpec usage = command.getCommandSpec().usageMessage().width(HELP_WIDTH).sortOptions(false).sortSynopsis(false);
    if (command.getCommandSpec().parent() != null) {
      usage.footer("", "Exit codes: vmctl --help lists them.");
    }
    command.getSubcommands().values().forEach(Vmctl::layOut);
  }

  private int badCommandLine(ParameterException e, String[] args) {
    err.println("vmctl: " + e.getMessage());
    if (e instanceof UnmatchedArgumentException unmatched) {
      UnmatchedArgumentException.printSuggestions(unmatched, err);
    }
    String command = e.getCommandLine().getCommandSpec().qualifiedName();
    err.println("(" + command + " --help lists what it takes)");
    return ExitCode.USAGE.code();
  }

  private int failed(Exception e, VmctlCommand vmctl) throws Exception {
    if (e instanceof StatusRuntimeException status) {
      StatusPrinter.print(err, status, vmctl.server(), configDir);
      return ExitCode.of(status.getStatus().getCode()).code();
    }
    if (e instanceof IllegalArgumentException || e instanceof IOException) {
      err.println("vmctl: " + e.getMessage());
      return ExitCode.USAGE.code();
    }
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
      return ExitCode.INTERRUPTED.code();
    }
    throw e;
  }
}
