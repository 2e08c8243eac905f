package io.plasmavmc.contract;

/** A VM's lifecycle states (shared/DESIGN.md, "States"). */
public enum VmState {
  CREATING,
  CREATED,
  RUNNING,
  PAUSED,
  STOPPING,
  STOPPED,
  DELETING,
  DELETED,
  CRASHED,
  FAILED
}
