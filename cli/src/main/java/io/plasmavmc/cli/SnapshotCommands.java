package io.plasmavmc.cli;

import io.plasmavmc.api.v1.DeleteSnapshotRequest;
import io.plasmavmc.api.v1.ListSnapshotsRequest;
import io.plasmavmc.api.v1.ListSnapshotsResponse;
import io.plasmavmc.api.v1.RestoreSnapshotRequest;
import io.plasmavmc.api.v1.SnapshotVmRequest;
import io.plasmavmc.api.v1.Vm;
import io.plasmavmc.api.v1.VmServiceGrpc.VmServiceBlockingStub;
import picocli.CommandLine.Model.PositionalParamSpec;

/** vmctl snapshot create|list|restore|delete VM [SNAPSHOT]: snapshots of a VM's own qcow2 disks (and RAM while it runs). */
final class SnapshotCommands {
  private SnapshotCommands() {}

  static void addTo(Commands commands) {
    commands.add("snapshot", vmctl -> new CommandGroup(vmctl,
        "Snapshots of a VM's own disks (made from an image, or blank), with its RAM while it runs.")
        .add("create", SnapshotCommands::create)
        .add("list", ListSnapshots::new)
        .add("restore", SnapshotCommands::restore)
        .add("delete", SnapshotCommands::delete));
  }

  private static Subcommand create(VmctlCommand vmctl) {
    return new SnapshotCall(vmctl, false,
        "Takes a snapshot: with RAM while the VM runs or is paused (it runs on), disks only if stopped.",
        (vms, vm, snapshot) -> vms.snapshotVm(SnapshotVmRequest.newBuilder().setName(vm).setSnapshot(snapshot).build()));
  }

  private static Subcommand restore(VmctlCommand vmctl) {
    return new SnapshotCall(vmctl, true,
        "Returns the VM to a snapshot: running, to its RAM and disks; stopped, to its disks (it stays so).",
        (vms, vm, snapshot) -> vms.restoreSnapshot(RestoreSnapshotRequest.newBuilder().setName(vm).setSnapshot(snapshot).build()));
  }

  private static Subcommand delete(VmctlCommand vmctl) {
    return new SnapshotCall(vmctl, false, "Deletes a snapshot from the VM's disks.",
        (vms, vm, snapshot) -> vms.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setName(vm).setSnapshot(snapshot).build()));
  }

  /**
   * One call about one snapshot of one VM. A restore shows the VM (its state is the news); a
   * snapshot taken or deleted shows the VM's snapshots.
   */
  static final class SnapshotCall extends VmCommand {
    interface Request {
      Vm send(VmServiceBlockingStub vms, String vm, String snapshot);
    }

    private final PositionalParamSpec snapshot = arg(Args.word("SNAPSHOT", "the snapshot's name"));
    private final boolean showVm;
    private final Request request;

    SnapshotCall(VmctlCommand vmctl, boolean showVm, String description, Request request) {
      super(vmctl, description);
      this.showVm = showVm;
      this.request = request;
    }

    @Override
    ExitCode run(Gateway gateway) {
      Vm vm = request.send(gateway.vms(), name(), snapshot.getValue());
      if (json() || showVm) {
        return print(vm);
      }
      SnapshotPrinter.table(out(), vm.getName(), vm.getSnapshotsList());
      return ExitCode.OK;
    }
  }

  static final class ListSnapshots extends VmCommand {
    ListSnapshots(VmctlCommand vmctl) {
      super(vmctl, "Lists a VM's snapshots, oldest first.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      ListSnapshotsResponse list = gateway.vms().listSnapshots(ListSnapshotsRequest.newBuilder().setName(name()).build());
      if (json()) {
        printJson(list);
      } else {
        SnapshotPrinter.table(out(), name(), list.getSnapshotsList());
      }
      return ExitCode.OK;
    }
  }
}
