package io.plasmavmc.cli;

import picocli.CommandLine.Model.PositionalParamSpec;

/** A command about one VM, named by its first word. */
abstract class VmCommand extends GatewayCommand {
  private final PositionalParamSpec name = arg(Args.word("NAME", "the VM's name"));

  VmCommand(VmctlCommand vmctl, String... description) {
    super(vmctl, description);
  }

  String name() {
    return name.getValue();
  }
}
