package io.plasmavmc.cli;

import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc.VmServiceBlockingStub;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * A command that sends one request about one VM (start, pause, resume, reboot, get, delete) and
 * prints the VM it answers with.
 */
final class VmCall extends VmCommand {
  interface Request {
    Vm send(VmServiceBlockingStub vms, String name);
  }

  interface BootRequest {
    Vm send(VmServiceBlockingStub vms, String name, boolean waitReady);
  }

  /** The option of the commands that boot the guest. */
  static final class WaitReady {
    @Option(names = "--wait-ready", description = "answer once the VM's readiness probe saw the guest up")
    boolean waitReady;
  }

  private final BootRequest request;
  private final WaitReady waitReady = new WaitReady();

  private VmCall(BootRequest request) {
    this.request = request;
  }

  static CommandLine command(String description, Request request) {
    return VmctlCommand.described(new VmCall((vms, name, waitReady) -> request.send(vms, name)), description);
  }

  /** A command after which the guest boots: it takes --wait-ready. */
  static CommandLine booting(String description, BootRequest request) {
    VmCall call = new VmCall(request);
    return VmctlCommand.described(call, description).addMixin("waitReady", call.waitReady);
  }

  @Override
  ExitCode run(Gateway gateway) {
    return print(request.send(gateway.vms(), name, waitReady.waitReady));
  }
}
