package io.plasmavmc.gateway;

import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.contract.spec.VmSpec;
import java.util.regex.Pattern;

/** Checks of ImageService's request fields; each failure names its field and never repeats the value. */
final class ImageRequests {
  static final int MAX_SOURCE_LENGTH = 255;
  /**
   * A file under the host's import directory: names of letters, digits, '.', '_', '+' and '-'
   * joined by '/', none starting with '.' (so neither '..' nor a hidden file) or '-'. The host
   * resolves it again, symlinks followed, and refuses anything outside the directory.
   */
  private static final Pattern SOURCE = Pattern.compile("[a-zA-Z0-9_+][a-zA-Z0-9._+-]*(/[a-zA-Z0-9_+][a-zA-Z0-9._+-]*)*");

  private ImageRequests() {}

  /** An image's name: a file name of the store's own, never a path (VmSpec.IMAGE_NAME, as Disk.image takes it). */
  static String name(String value) {
    if (value.isEmpty()) {
      throw Requests.invalid("name", "is required");
    }
    if (!VmSpec.IMAGE_NAME.matcher(value).matches()) {
      throw Requests.invalid("name", "must be 1-63 characters of letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return value;
  }

  static String host(String value, String defaultHostId) {
    return value.isEmpty() ? defaultHostId : Requests.name("host_id", value);
  }

  static String source(String value) {
    if (value.isEmpty()) {
      throw Requests.invalid("source", "is required: a file in the host's import directory");
    }
    if (value.length() > MAX_SOURCE_LENGTH) {
      throw Requests.invalid("source", "must be at most " + MAX_SOURCE_LENGTH + " characters");
    }
    if (!SOURCE.matcher(value).matches()) {
      throw Requests.invalid("source", "must be a file name relative to the host's import directory: letters, digits, '.', '_', '+' "
          + "and '-', with '/' between directory names, no name starting with '.' or '-' (so no '..')");
    }
    return value;
  }

  /**
   * The format to convert to: none (the source's own, if the store keeps it: qcow2 or raw), qcow2
   * (smaller on disk), or raw (a source of another format, vmdk or vdi, made one the store keeps).
   */
  static io.plasmavmc.contract.spec.DiskFormat convertTo(DiskFormat value) {
    return switch (value) {
      case DISK_FORMAT_UNSPECIFIED -> null;
      case DISK_FORMAT_QCOW2 -> io.plasmavmc.contract.spec.DiskFormat.QCOW2;
      case DISK_FORMAT_RAW -> io.plasmavmc.contract.spec.DiskFormat.RAW;
      default -> throw Requests.invalid("convert_to", "must be DISK_FORMAT_QCOW2 or DISK_FORMAT_RAW, or unspecified to keep the source's own "
          + "format");
    };
  }
}
