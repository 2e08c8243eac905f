package io.plasmavmc.contract.spec;

/** Which accelerator QEMU runs the guest with. {@code AUTO} picks KVM where /dev/kvm is usable. */
public enum Accelerator {
  KVM,
  TCG,
  AUTO;

  /** The concrete accelerator for a host, never {@code AUTO}. */
  public Accelerator resolve(boolean kvmUsable) {
    return this == AUTO ? (kvmUsable ? KVM : TCG) : this;
  }

  public String qemuName() {
    return name().toLowerCase();
  }
}
