package io.plasmavmc.contract;

/** The lifecycle operations a VM's workflow accepts, each as a Workflow Update. */
public enum VmOperation {
  CREATE,
  START,
  STOP,
  PAUSE,
  RESUME,
  REBOOT,
  DELETE;

  public String updateName() {
    return name().toLowerCase();
  }
}
