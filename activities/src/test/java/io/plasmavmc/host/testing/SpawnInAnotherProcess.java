package io.plasmavmc.host.testing;

import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.qemu.QemuIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A second "worker" in a JVM of its own that spawns one VM, for tests of what two processes do to
 * one runtime directory. Prints the QEMU pid it ended up with.
 */
public final class SpawnInAnotherProcess {
  private SpawnInAnotherProcess() {}

  public static void main(String[] args) {
    Path runtimeRoot = Path.of(args[0]);
    String vmId = args[1];
    try (HostActivitiesImpl host = new HostActivitiesImpl(HostConfig.of(runtimeRoot, Path.of("/usr/bin/qemu-system-x86_64"), List.of(), false)
        .withQemuIdentity(QemuIdentity.ensure("plasmavmc-qemu")))) {
      VmHandle handle = host.spawn(vmId, VmSpec.of(vmId).withResources(1, 64).withNetwork(false, List.of()));
      System.out.println("pid " + handle.pid() + (handle.reattached() ? " reattached" : " started"));
    }
  }

  /** Starts the process: java with this test classpath. */
  public static Process start(Path runtimeRoot, String vmId) throws IOException {
    return new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
        SpawnInAnotherProcess.class.getName(), runtimeRoot.toString(), vmId).redirectErrorStream(true).start();
  }
}
