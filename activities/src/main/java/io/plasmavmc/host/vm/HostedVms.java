package io.plasmavmc.host.vm;

import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.host.HostTimings;
import io.plasmavmc.host.vmm.Hypervisor;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handles of this host's VMs, one per VM id (Nomad's taskStore): every activity on a VM, and
 * its monitor, reach it through the same handle, so they share its lock and its VMM's one control
 * connection (QEMU's monitor serves one client at a time).
 */
public final class HostedVms implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HostedVms.class);

  private final Path runtimeRoot;
  private final Hypervisor hypervisor;
  private final HostTimings timings;
  private final Map<String, HostedVm> handles = new ConcurrentHashMap<>();

  public HostedVms(Path runtimeRoot, Hypervisor hypervisor, HostTimings timings) {
    this.runtimeRoot = runtimeRoot;
    this.hypervisor = hypervisor;
    this.timings = timings;
  }

  /** The VM's handle, made on first use; refuses an id that cannot name a runtime directory (InvalidSpecException). */
  public HostedVm get(String vmId) {
    HostedVm handle = handles.get(vmId);
    if (handle != null) {
      return handle;
    }
    RuntimeDirectory dir = new RuntimeDirectory(runtimeRoot, vmId);
    return handles.computeIfAbsent(vmId, id -> new HostedVm(dir, hypervisor.open(dir), timings));
  }

  /** The handle of every VM that has a runtime directory on this host, whether its process runs or not. */
  public List<HostedVm> all() {
    List<HostedVm> found = new ArrayList<>();
    if (!Files.isDirectory(runtimeRoot)) {
      return found;
    }
    try (Stream<Path> dirs = Files.list(runtimeRoot)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        try {
          found.add(get(dir.getFileName().toString()));
        } catch (InvalidSpecException notAVmDirectory) {
          // not a VM's directory
        }
      }
    } catch (IOException e) {
      log.warn("cannot list runtime directory {}: {}", runtimeRoot, e.getMessage());
    }
    return found;
  }

  /** The handles of the VMs whose process runs now. */
  public List<HostedVm> running() {
    return all().stream().filter(vm -> vm.process().isPresent()).toList();
  }

  /** Forgets a handle whose runtime directory was removed; the next use of its id makes a new one. */
  public void forget(HostedVm vm) {
    handles.remove(vm.id(), vm);
  }

  /** Closes every VMM's control channel; the VMs run on. */
  @Override
  public void close() {
    handles.values().forEach(HostedVm::close);
  }
}
