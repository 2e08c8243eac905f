package io.plasmavmc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;

/** A command of vmctl: its picocli model, and what it does once its arguments are parsed into it. */
interface Subcommand extends Callable<Integer> {
  CommandSpec spec();
}
