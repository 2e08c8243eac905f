package io.plasmavmc.cli;

import com.google.protobuf.MessageOrBuilder;
import io.plasmavmc.api.v1.Vm;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.ParentCommand;

/**
 * A vmctl command that talks to the gateway: it gets a connection for its run and gives it back.
 * A failed call is not caught here: {@link Vmctl} turns its status into the message and exit code.
 */
abstract class GatewayCommand implements Callable<Integer> {
  @ParentCommand
  VmctlCommand vmctl;

  @Override
  public final Integer call() throws Exception {
    try (Gateway gateway = vmctl.connect()) {
      return run(gateway).code();
    }
  }

  abstract ExitCode run(Gateway gateway) throws Exception;

  PrintStream out() {
    return vmctl.out;
  }

  PrintStream err() {
    return vmctl.err;
  }

  boolean json() {
    return vmctl.json;
  }

  void printJson(MessageOrBuilder message) {
    out().println(Json.of(message));
  }

  /** The VM as JSON or as its details. */
  ExitCode print(Vm vm) {
    if (json()) {
      printJson(vm);
    } else {
      VmPrinter.details(out(), vm);
    }
    return ExitCode.OK;
  }
}
