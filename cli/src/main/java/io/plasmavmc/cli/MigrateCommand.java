package io.plasmavmc.cli;

import io.plasmavmc.api.v1.MigrateVmRequest;
import java.util.UUID;
import picocli.CommandLine.Model.OptionSpec;

/** vmctl migrate: moves a running or paused VM, live, to another host; prints the VM after. */
final class MigrateCommand extends VmCommand {
  private final OptionSpec to = arg(Args.text("--to", "HOST", "",
      "the host to move it to (default: placement chooses one other than its own, by the VM's placement)"));
  private final OptionSpec bandwidth = arg(Args.number("--max-bandwidth", "MIBPS", 0,
      "what the transfer may take of the link, MiB/s (default: 1024)"));
  private final OptionSpec downtime = arg(Args.number("--max-downtime", "MS", 0,
      "the longest pause of the guest QEMU may plan for the last copy, ms (default: 300)"));
  private final OptionSpec watch = arg(Args.flag("--watch", "show each phase of the migration until MigrateVm answers"));
  private final OptionSpec requestId = arg(Args.text("--request-id", "ID",
      "repeating a request with the same id joins the migration it started (default: a new id)"));

  MigrateCommand(VmctlCommand vmctl) {
    super(vmctl, "Moves a RUNNING or PAUSED VM, live, to another host: the guest runs on while its memory is copied.",
        "A failed migration is undone: the VM runs on where it was (exit code 5).");
  }

  @Override
  ExitCode run(Gateway gateway) throws InterruptedException {
    String id = requestId.getValue();
    MigrateVmRequest request = MigrateVmRequest.newBuilder()
        .setName(name())
        .setTargetHostId(to.getValue())
        .setMaxBandwidthMibps(bandwidth.getValue())
        .setMaxDowntimeMs(downtime.getValue())
        .setRequestId(id == null ? UUID.randomUUID().toString() : id)
        .build();
    if (!watch.<Boolean>getValue() || json()) {
      return print(gateway.vms().migrateVm(request));
    }
    return print(new MigrationProgress(gateway.vms(), err()).migrate(request));
  }
}
