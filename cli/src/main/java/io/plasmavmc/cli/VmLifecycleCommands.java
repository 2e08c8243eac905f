package io.plasmavmc.cli;

import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.ResumeVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** vmctl's commands that change a VM: create, start, stop, pause, resume, reboot, delete. Each prints the VM after. */
final class VmLifecycleCommands {
  private VmLifecycleCommands() {}

  static void addTo(Commands commands) {
    commands.add("create", Create::new);
    commands.add("start", () -> VmCall.booting("Starts a CREATED, STOPPED or CRASHED VM.",
        (vms, name, waitReady) -> vms.startVm(StartVmRequest.newBuilder().setName(name).setWaitForReady(waitReady).build())));
    commands.add("stop", Stop::new);
    commands.add("pause", () -> VmCall.command("Pauses a RUNNING VM (QEMU keeps it in memory).",
        (vms, name) -> vms.pauseVm(PauseVmRequest.newBuilder().setName(name).build())));
    commands.add("resume", () -> VmCall.command("Resumes a PAUSED VM.",
        (vms, name) -> vms.resumeVm(ResumeVmRequest.newBuilder().setName(name).build())));
    commands.add("reboot", () -> VmCall.booting("Resets a RUNNING VM: the guest boots again.",
        (vms, name, waitReady) -> vms.rebootVm(RebootVmRequest.newBuilder().setName(name).setWaitForReady(waitReady).build())));
    commands.add("delete", () -> VmCall.command("Deletes a VM: ends QEMU, removes its runtime directory, ends its workflow.",
        (vms, name) -> vms.deleteVm(DeleteVmRequest.newBuilder().setName(name).build()).getVm()));
  }

  @Command(description = "Creates a VM (QEMU started paused: CREATED); --start runs it.")
  static final class Create extends VmCommand {
    @Mixin
    SpecOptions spec;

    @Option(names = "--start", description = "start the guest once created (RUNNING)")
    boolean start;

    @Option(names = "--wait", description = "show each state the VM passes until CreateVm answers")
    boolean wait;

    @Option(names = "--wait-ready", description = "start it and answer once its readiness probe saw the guest up")
    boolean waitReady;

    @Option(names = "--host", paramLabel = "ID", description = "the host to run it on (default: the gateway's)")
    String host = "";

    @Option(names = "--request-id", paramLabel = "ID", description = "repeating a request with the same id returns the same VM (default: a new id)")
    String requestId;

    @Override
    ExitCode run(Gateway gateway) throws InterruptedException {
      CreateVmRequest request = CreateVmRequest.newBuilder()
          .setName(name)
          .setSpec(spec.spec())
          .setStart(start || waitReady)
          .setWaitForReady(waitReady)
          .setHostId(host)
          .setRequestId(requestId == null ? UUID.randomUUID().toString() : requestId)
          .build();
      if (!wait || json()) {
        return print(gateway.vms().createVm(request));
      }
      return print(new CreateProgress(gateway.vms(), err()).create(request));
    }
  }


  @Command(description = "Stops a VM: the ACPI power button, then forced off when the guest does not power off in time.")
  static final class Stop extends VmCommand {
    @Option(names = "--timeout", paramLabel = "SECONDS", description = "how long the guest has to power off (default: 60)")
    int timeout;

    @Option(names = "--force", description = "end QEMU at once, without asking the guest")
    boolean force;

    @Override
    ExitCode run(Gateway gateway) {
      if (!json()) {
        err().println(force ? "stopping " + name + " (forced)..." : "stopping " + name + " (power button; forced off after "
            + (timeout == 0 ? 60 : timeout) + " s)...");
      }
      return print(gateway.vms().stopVm(StopVmRequest.newBuilder().setName(name).setTimeoutSeconds(timeout).setForce(force).build()));
    }
  }




}
