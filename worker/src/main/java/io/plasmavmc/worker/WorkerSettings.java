package io.plasmavmc.worker;

import io.plasmavmc.contract.TaskQueues;
import io.plasmavmc.contract.fleet.Labels;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.HostLimits;
import io.plasmavmc.host.HostStorage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A host worker's configuration. {@code kvm}: "auto" probes /dev/kvm (and the CPU model it
 * accepts), "off" runs every guest under TCG, "on" insists on KVM. {@code orphans}: "report"
 * (default) logs QEMU processes that no VM workflow owns and leaves them; "kill" ends them when the
 * worker starts. {@code qemuUser}: the unprivileged user QEMU runs as when the worker is root
 * (default "plasmavmc-qemu", made where missing); a worker that is not root runs QEMU as itself.
 * {@code storage}: the image store, import directory, VMs' directory and lifecycle test runs' artifacts
 * (default under /var/lib/plasmavmc).
 * {@code address}: the host's address as the fleet shows it (null: its primary address, found at
 * start); {@code labels}: what placement constraints match (see {@link Labels}). {@code load}: how the
 * worker keeps up on a loaded host (QEMU's nice value, the SDK's deadlock detection; see {@link LoadSettings}).
 */
public record WorkerSettings(String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots, String kvm, String orphans,
    String qemuUser, HostLimits limits, HostStorage storage, String address, Map<String, String> labels, LoadSettings load) {
  public static final String DEFAULT_QEMU_USER = "plasmavmc-qemu";
  private static final Pattern ADDRESS = Pattern.compile("[a-zA-Z0-9.:_-]{1,253}");

  public WorkerSettings(String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots, String kvm) {
    this(hostId, runtimeDir, qemuBinary, imageRoots, kvm, "report");
  }

  public WorkerSettings(String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots, String kvm, String orphans) {
    this(hostId, runtimeDir, qemuBinary, imageRoots, kvm, orphans, DEFAULT_QEMU_USER);
  }

  public WorkerSettings(String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots, String kvm, String orphans,
      String qemuUser) {
    this(hostId, runtimeDir, qemuBinary, imageRoots, kvm, orphans, qemuUser, null);
  }

  public WorkerSettings(String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots, String kvm, String orphans,
      String qemuUser, HostLimits limits) {
    this(hostId, runtimeDir, qemuBinary, imageRoots, kvm, orphans, qemuUser, limits, null);
  }

  public WorkerSettings(String hostId, Path runtimeDir, Path qemuBinary, List<Path> imageRoots, String kvm, String orphans,
      String qemuUser, HostLimits limits, HostStorage storage) {
    this(hostId, runtimeDir, qemuBinary, imageRoots, kvm, orphans, qemuUser, limits, storage, null, null, null);
  }

  public WorkerSettings {
    if (hostId == null || hostId.isBlank()) {
      hostId = TaskQueues.localHostId();
    }
    if (!hostId.matches("[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}")) {
      throw new IllegalArgumentException("host id must be 1-63 characters of letters, digits, '.', '_' or '-': " + hostId);
    }
    runtimeDir = runtimeDir == null ? Path.of("/run/plasmavmc") : runtimeDir;
    qemuBinary = qemuBinary == null ? Path.of("/usr/bin/qemu-system-x86_64") : qemuBinary;
    imageRoots = imageRoots == null ? List.of(Path.of("/var/lib/plasmavmc/images")) : List.copyOf(imageRoots);
    kvm = kvm == null || kvm.isBlank() ? "auto" : kvm;
    orphans = orphans == null || orphans.isBlank() ? "report" : orphans.trim();
    qemuUser = qemuUser == null || qemuUser.isBlank() ? DEFAULT_QEMU_USER : qemuUser.trim();
    limits = limits == null ? HostLimits.defaults() : limits;
    storage = storage == null ? HostStorage.defaults() : storage;
    load = load == null ? LoadSettings.defaults() : load;
    if (!orphans.equals("report") && !orphans.equals("kill")) {
      throw new IllegalArgumentException("orphans must be report or kill: " + orphans);
    }
    address = address == null || address.isBlank() ? null : address.trim();
    if (address != null && !ADDRESS.matcher(address).matches()) {
      throw new IllegalArgumentException("address must be a host name or an IP address: " + address);
    }
    try {
      labels = Labels.checked(labels == null ? Map.of() : labels, "labels");
    } catch (InvalidSpecException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The same host with its address and labels as the fleet shows them. */
  public WorkerSettings withFleet(String value, Map<String, String> hostLabels) {
    return new WorkerSettings(hostId, runtimeDir, qemuBinary, imageRoots, kvm, orphans, qemuUser, limits, storage, value, hostLabels, load);
  }

  /** The same host, keeping up under load as {@code value} says. */
  public WorkerSettings withLoad(LoadSettings value) {
    return new WorkerSettings(hostId, runtimeDir, qemuBinary, imageRoots, kvm, orphans, qemuUser, limits, storage, address, labels, value);
  }

  public boolean killOrphans() {
    return orphans.equals("kill");
  }
}
