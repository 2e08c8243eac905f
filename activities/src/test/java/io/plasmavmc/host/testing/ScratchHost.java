package io.plasmavmc.host.testing;

import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.HostConfig;
import io.plasmavmc.host.HostStorage;
import io.plasmavmc.host.ImageActivitiesImpl;
import io.plasmavmc.host.qemu.QemuIdentity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A host of a test class's own under one scratch directory: runtime directories, an image store,
 * an import directory and a VMs' directory, with its host and image activities. Guests run under
 * TCG, as every guest that boots a kernel in these tests, and QEMU as its own user when the tests
 * run as root.
 */
public final class ScratchHost implements AutoCloseable {
  public static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
  /** The test guest's bootable disk ({@link TestGuest#disk()}) as an image of the store. */
  public static final String GUEST_IMAGE = "guest";

  public final Path run;
  public final HostStorage storage;
  public final HostActivitiesImpl host;
  public final ImageActivitiesImpl images;
  private final HostConfig config;

  public ScratchHost(Path scratch, QemuIdentity identity) throws Exception {
    // QEMU's user passes through the scratch directory to its runtime and VM directories and the store.
    Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx--x--x"));
    run = Files.createDirectories(scratch.resolve("run"));
    storage = HostStorage.under(scratch);
    config = HostConfig.of(run, QEMU, List.of(TestGuest.dir()), false).withQemuIdentity(identity).withStorage(storage);
    images = new ImageActivitiesImpl(config);
    host = new HostActivitiesImpl(config);
  }

  /** Another host activities object on the same host, as a worker that restarts makes one; the caller closes it. */
  public HostActivitiesImpl newHost() {
    return new HostActivitiesImpl(config);
  }

  /** Imports the test guest's disk as image {@link #GUEST_IMAGE}, as an operator would: dropped into the import directory first. */
  public ImageInfo importGuestImage() throws Exception {
    Files.copy(TestGuest.disk(), storage.importDir().resolve("disk-graceful.qcow2"));
    return images.importImage(GUEST_IMAGE, "disk-graceful.qcow2", null);
  }

  /** The image file of {@code name} in the store. */
  public Path imageFile(String name, String format) {
    return storage.imageStore().resolve(name + "." + format);
  }

  /** Ends every QEMU of this host (what a failed test left running). */
  public void killAll() {
    for (Long pid : QemuProcessTable.livePidsMentioning(run)) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Override
  public void close() {
    killAll();
    host.close();
  }
}
