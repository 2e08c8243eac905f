package io.plasmavmc.host;

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
