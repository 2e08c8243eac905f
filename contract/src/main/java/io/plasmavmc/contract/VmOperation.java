package io.plasmavmc.contract;

/** The lifecycle operations a VM's workflow accepts, each as a Workflow Update of this name. */
public enum VmOperation {
  CREATE("create"),
  START("start"),
  STOP("stop"),
  PAUSE("pause"),
  RESUME("resume"),
  REBOOT("reboot"),
  DELETE("delete"),
  SNAPSHOT("snapshot"),
  RESTORE_SNAPSHOT("restoreSnapshot"),
  DELETE_SNAPSHOT("deleteSnapshot"),
  MIGRATE("migrate");

  private final String updateName;

  VmOperation(String updateName) {
    this.updateName = updateName;
  }

  public String updateName() {
    return updateName;
  }
}
