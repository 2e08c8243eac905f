package io.plasmavmc.host.storage;

import io.plasmavmc.host.LoggedDetailException;

/**
 * A program the host runs on disks and images (qemu-img, mkfs.fat, mcopy) failed. The message,
 * which may reach clients, names no host path; the detail (the command line and what the program
 * printed) goes to the worker's log under the error id the message names.
 */
public class DiskToolException extends LoggedDetailException {
  public DiskToolException(String message, String detail) {
    super(newErrorId(), message, detail, null);
  }
}
