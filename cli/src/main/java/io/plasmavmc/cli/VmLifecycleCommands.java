package io.plasmavmc.cli;

import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.DeleteVmRequest;
import io.plasmavmc.api.v1.PauseVmRequest;
import io.plasmavmc.api.v1.RebootVmRequest;
import io.plasmavmc.api.v1.ResumeVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import java.io.IOException;
import java.util.UUID;
import picocli.CommandLine.Model.OptionSpec;

/** vmctl's commands that change a VM: create, start, stop, pause, resume, reboot, delete, migrate. Each prints the VM after. */
final class VmLifecycleCommands {
  private VmLifecycleCommands() {}

  static void addTo(Commands commands) {
    commands.add("create", Create::new);
    commands.add("start", vmctl -> VmCall.booting(vmctl, "Starts a CREATED, STOPPED or CRASHED VM.",
        (vms, name, waitReady) -> vms.startVm(StartVmRequest.newBuilder().setName(name).setWaitForReady(waitReady).build())));
    commands.add("stop", Stop::new);
    commands.add("pause", vmctl -> VmCall.of(vmctl, "Pauses a RUNNING VM (QEMU keeps it in memory).",
        (vms, name) -> vms.pauseVm(PauseVmRequest.newBuilder().setName(name).build())));
    commands.add("resume", vmctl -> VmCall.of(vmctl, "Resumes a PAUSED VM.",
        (vms, name) -> vms.resumeVm(ResumeVmRequest.newBuilder().setName(name).build())));
    commands.add("reboot", vmctl -> VmCall.booting(vmctl, "Resets a RUNNING VM: the guest boots again.",
        (vms, name, waitReady) -> vms.rebootVm(RebootVmRequest.newBuilder().setName(name).setWaitForReady(waitReady).build())));
    commands.add("delete", Delete::new);
    commands.add("migrate", MigrateCommand::new);
  }

  static final class Create extends VmCommand {
    private final SpecOptions vm = new SpecOptions(this);
    private final OptionSpec start = arg(Args.flag("--start", "start the guest once created (RUNNING)"));
    private final OptionSpec wait = arg(Args.flag("--wait", "show each state the VM passes until CreateVm answers"));
    private final OptionSpec waitReady = arg(Args.flag("--wait-ready", "start it and answer once its readiness probe saw the guest up"));
    private final OptionSpec host = arg(Args.text("--host", "ID", "",
        "the host to run it on; refused if cordoned, unknown or full (default: placement chooses)"));
    private final PlacementOptions placement = new PlacementOptions(this);
    private final OptionSpec requestId = arg(Args.text("--request-id", "ID",
        "repeating a request with the same id returns the same VM (default: a new id)"));

    Create(VmctlCommand vmctl) {
      super(vmctl, "Creates a VM (QEMU started paused: CREATED); --start runs it.");
    }

    @Override
    ExitCode run(Gateway gateway) throws InterruptedException, IOException {
      boolean ready = waitReady.getValue();
      String id = requestId.getValue();
      CreateVmRequest request = CreateVmRequest.newBuilder()
          .setName(name())
          .setSpec(vm.spec())
          .setStart(start.<Boolean>getValue() || ready)
          .setWaitForReady(ready)
          .setHostId(host.getValue())
          .setPlacement(placement.placement())
          .setRequestId(id == null ? UUID.randomUUID().toString() : id)
          .build();
      if (!wait.<Boolean>getValue() || json()) {
        return print(gateway.vms().createVm(request));
      }
      return print(new CreateProgress(gateway.vms(), err()).create(request));
    }
  }

  static final class Delete extends VmCommand {
    private final OptionSpec keepDisks = arg(Args.flag("--keep-disks",
        "keep the VM's own disks and cloud-init seed on its host (in /var/lib/plasmavmc/vms/<vm>/)"));

    Delete(VmctlCommand vmctl) {
      super(vmctl, "Deletes a VM: ends QEMU, removes its runtime directory and own disks (unless --keep-disks).",
          "Its workflow ends.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      return print(gateway.vms().deleteVm(DeleteVmRequest.newBuilder().setName(name()).setKeepDisks(keepDisks.getValue()).build()).getVm());
    }
  }

  static final class Stop extends VmCommand {
    private final OptionSpec timeout = arg(Args.number("--timeout", "SECONDS", 0, "how long the guest has to power off (default: 60)"));
    private final OptionSpec force = arg(Args.flag("--force", "end QEMU at once, without asking the guest"));

    Stop(VmctlCommand vmctl) {
      super(vmctl, "Stops a VM: the ACPI power button, then forced off when the guest does not power off in time.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      int seconds = timeout.getValue();
      boolean forced = force.getValue();
      if (!json()) {
        err().println(forced ? "stopping " + name() + " (forced)..." : "stopping " + name() + " (power button; forced off after "
            + (seconds == 0 ? 60 : seconds) + " s)...");
      }
      return print(gateway.vms().stopVm(StopVmRequest.newBuilder().setName(name()).setTimeoutSeconds(seconds).setForce(forced).build()));
    }
  }
}
