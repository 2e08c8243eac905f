package io.plasmavmc.host.vmm;

/** What a VMM is asked to do to its running guest ({@link Vmm#control}). */
public enum GuestControl {
  /** Let the guest run (QEMU: cont). */
  START,
  /** Freeze the guest's vCPUs (QEMU: stop). */
  PAUSE,
  /** Hard-reset the guest; the VMM keeps running (QEMU: system_reset). */
  RESET,
  /** Press the ACPI power button, without waiting for the guest (QEMU: system_powerdown). */
  POWER_BUTTON
}
