package io.plasmavmc.host;

import java.nio.file.Path;

/**
 * Where a host keeps disks, beside the runtime directories on /run that hold nothing durable: its
 * image store ({@code <imageStore>/<name>.qcow2} or {@code .raw}, base images that VMs' disks are
 * overlays of; also an image root), the import directory images are imported from (nothing
 * outside it), the VMs' directory ({@code <vmsDir>/<vmId>/}: each VM's own disks and cloud-init
 * seed, kept across reboots of the host, removed with the VM), and the artifacts of lifecycle test
 * runs ({@code <artifactsDir>/<runId>/<vmName>.log}: the end of each attempt's console, kept after
 * its VM is gone, for the newest runs only).
 */
public record HostStorage(Path imageStore, Path importDir, Path vmsDir, Path artifactsDir) {
  public static final Path DEFAULT_IMAGE_STORE = Path.of("/var/lib/plasmavmc/images");
  public static final Path DEFAULT_IMPORT_DIR = Path.of("/var/lib/plasmavmc/import");
  public static final Path DEFAULT_VMS_DIR = Path.of("/var/lib/plasmavmc/vms");
  public static final Path DEFAULT_ARTIFACTS_DIR = Path.of("/var/lib/plasmavmc/test-runs");

  public HostStorage {
    imageStore = (imageStore == null ? DEFAULT_IMAGE_STORE : imageStore).toAbsolutePath().normalize();
    importDir = (importDir == null ? DEFAULT_IMPORT_DIR : importDir).toAbsolutePath().normalize();
    vmsDir = (vmsDir == null ? DEFAULT_VMS_DIR : vmsDir).toAbsolutePath().normalize();
    artifactsDir = (artifactsDir == null ? DEFAULT_ARTIFACTS_DIR : artifactsDir).toAbsolutePath().normalize();
    if (vmsDir.startsWith("/run")) {
      throw new IllegalArgumentException("the VMs' directory keeps their disks across reboots: not on /run, which a reboot empties: " + vmsDir);
    }
  }

  public static HostStorage defaults() {
    return new HostStorage(null, null, null, null);
  }

  /** The four side by side under {@code root}: images/, import/, vms/ and test-runs/ (tests, benchmarks, a user's data directory). */
  public static HostStorage under(Path root) {
    return new HostStorage(root.resolve("images"), root.resolve("import"), root.resolve("vms"), root.resolve("test-runs"));
  }
}
