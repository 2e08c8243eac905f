package io.plasmavmc.host.vmm;

/**
 * A hypervisor this host runs VMs with: QEMU/KVM ({@code QemuHypervisor}) today; Firecracker or
 * Cloud Hypervisor would each be one more implementation of this and of {@link Vmm}, beside it.
 */
public interface Hypervisor {
  /** The VMM of the VM whose runtime directory is {@code dir}, as its handle drives it; nothing is started or connected yet. */
  Vmm open(RuntimeDirectory dir);
}
