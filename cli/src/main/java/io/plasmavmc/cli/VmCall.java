package io.plasmavmc.cli;

import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc.VmServiceBlockingStub;
import picocli.CommandLine.Model.OptionSpec;

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

  private final BootRequest request;
  /** Only on the commands after which the guest boots. */
  private final OptionSpec waitReady;

  private VmCall(VmctlCommand vmctl, String description, BootRequest request, boolean boots) {
    super(vmctl, description);
    this.request = request;
    this.waitReady = boots ? arg(Args.flag("--wait-ready", "answer once the VM's readiness probe saw the guest up")) : null;
  }

  static VmCall of(VmctlCommand vmctl, String description, Request request) {
    return new VmCall(vmctl, description, (vms, name, waitReady) -> request.send(vms, name), false);
  }

  /** A command after which the guest boots: it takes --wait-ready. */
  static VmCall booting(VmctlCommand vmctl, String description, BootRequest request) {
    return new VmCall(vmctl, description, request, true);
  }

  @Override
  ExitCode run(Gateway gateway) {
    return print(request.send(gateway.vms(), name(), waitReady != null && (boolean) waitReady.getValue()));
  }
}
