package io.plasmavmc.contract.host;

/**
 * How the abort of a migration's target ended: its QEMU ended and its runtime directory gone
 * ({@code ABORTED}), nothing of the migration there ({@code NOTHING_THERE}), or the target had
 * already taken the VM over (its guest let run by {@code finishTarget}): then it is the VM's QEMU,
 * the one that owns the VM, and is left alone ({@code TARGET_OWNS_VM}).
 */
public enum TargetAbort {
  ABORTED,
  NOTHING_THERE,
  TARGET_OWNS_VM
}
