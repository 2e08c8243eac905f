package io.plasmavmc.contract.spec;

/** Disk image formats PlasmaVMC attaches; anything else is refused rather than probed. */
public enum DiskFormat {
  RAW,
  QCOW2;

  public String qemuDriver() {
    return name().toLowerCase();
  }
}
