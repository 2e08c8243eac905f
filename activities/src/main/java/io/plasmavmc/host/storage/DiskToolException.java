package io.plasmavmc.host.storage;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A program the host runs on disks and images (qemu-img, mkfs.fat, mcopy) failed. The message,
 * which may reach clients, names no host path; {@link #detail()} (the command line and what the
 * program printed) goes to the worker's log under {@link #errorId()}, which the message names.
 */
public class DiskToolException extends RuntimeException {
  private final String errorId;
  private final String detail;

  public DiskToolException(String message, String detail) {
    this(HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()), message, detail);
  }

  private DiskToolException(String errorId, String message, String detail) {
    super(message + " (error " + errorId + ": the host worker's log has the details)");
    this.errorId = errorId;
    this.detail = detail;
  }

  public String errorId() {
    return errorId;
  }

  public String detail() {
    return detail;
  }
}
