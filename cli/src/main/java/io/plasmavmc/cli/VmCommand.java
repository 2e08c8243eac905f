package io.plasmavmc.cli;

import picocli.CommandLine.Parameters;

/** A command about one VM, named by its first word. */
abstract class VmCommand extends GatewayCommand {
  @Parameters(paramLabel = "NAME", description = "the VM's name")
  String name;
}
