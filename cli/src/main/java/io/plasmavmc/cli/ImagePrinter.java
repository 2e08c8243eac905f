package io.plasmavmc.cli;

import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.Image;
import io.plasmavmc.api.v1.ImageImport;
import io.plasmavmc.api.v1.ImageImportState;
import io.plasmavmc.api.v1.ListImagesResponse;
import java.io.PrintStream;
import java.util.Locale;

/** How vmctl shows a host's images and imports to a person (or as JSON). */
final class ImagePrinter {
  private static final String LIST_FORMAT = "%-24s %-6s %10s %10s  %-16s %s%n";

  private final PrintStream out;
  private final PrintStream err;
  private final boolean json;
  private String shownProgress = "";

  ImagePrinter(PrintStream out, PrintStream err, boolean json) {
    this.out = out;
    this.err = err;
    this.json = json;
  }

  void table(ListImagesResponse list) {
    if (json) {
      out.println(Json.of(list));
      return;
    }
    out.printf(LIST_FORMAT, "NAME", "FORMAT", "VIRTUAL", "ON DISK", "USED BY", "SHA256");
    for (Image image : list.getImagesList()) {
      String usedBy = image.getUsedByCount() == 0 ? "-" : String.join(",", image.getUsedByList());
      out.printf(LIST_FORMAT, image.getName(), format(image.getFormat()), Sizes.of(image.getVirtualSizeBytes()),
          Sizes.of(image.getSizeOnDiskBytes()), usedBy.length() > 16 ? image.getUsedByCount() + " VMs" : usedBy,
          image.getSha256().substring(0, Math.min(12, image.getSha256().length())));
    }
  }

  void details(Image image) {
    if (json) {
      out.println(Json.of(image));
      return;
    }
    out.printf("name:        %s%n", image.getName());
    out.printf("host:        %s%n", image.getHostId());
    out.printf("format:      %s%n", format(image.getFormat()));
    out.printf("size:        %s as guests see it, %s on the host%n", Sizes.of(image.getVirtualSizeBytes()), Sizes.of(image.getSizeOnDiskBytes()));
    out.printf("sha256:      %s%n", image.getSha256());
    if (image.hasModifiedAt()) {
      out.printf("modified:    %s%n", VmPrinter.instant(image.getModifiedAt()));
    }
    out.printf("used by:     %s%n", image.getUsedByCount() == 0 ? "no VM" : String.join(", ", image.getUsedByList()));
  }

  void started(ImageImport started) {
    if (json) {
      out.println(Json.of(started));
      return;
    }
    out.printf("importing image %s on host %s: %s (follow it: vmctl image import-status %s, or in the Temporal UI: workflow "
        + "image-import-%s-%s)%n", started.getName(), started.getHostId(), state(started.getState()), started.getName(),
        started.getHostId(), started.getName());
  }

  /** A progress line on stderr, when it differs from the last one. */
  void progress(ImageImport now) {
    String line = "  " + progressOf(now);
    if (!json && !line.equals(shownProgress)) {
      err.println(line);
      shownProgress = line;
    }
  }

  void running(ImageImport now) {
    if (json) {
      out.println(Json.of(now));
    } else {
      out.printf("import of image %s on host %s: RUNNING, %s%n", now.getName(), now.getHostId(), progressOf(now));
    }
  }

  /** A done import shows its image; a failed one why (exit code 1). */
  ExitCode ended(ImageImport ended) {
    boolean done = ended.getState() == ImageImportState.IMAGE_IMPORT_STATE_DONE;
    if (json) {
      out.println(Json.of(ended));
    } else if (done) {
      details(ended.getImage());
    } else {
      out.printf("import of image %s on host %s: %s: %s%n", ended.getName(), ended.getHostId(), state(ended.getState()), ended.getReason());
    }
    return done ? ExitCode.OK : ExitCode.FAILED;
  }

  private static String progressOf(ImageImport now) {
    return now.getTotalBytes() == 0 ? now.getPhase() : String.format(Locale.ROOT, "%s %d%% (%s of %s)", now.getPhase(),
        Math.min(100, now.getDoneBytes() * 100 / now.getTotalBytes()), Sizes.of(now.getDoneBytes()), Sizes.of(now.getTotalBytes()));
  }

  static String format(DiskFormat format) {
    return switch (format) {
      case DISK_FORMAT_QCOW2 -> "qcow2";
      case DISK_FORMAT_RAW -> "raw";
      default -> "-";
    };
  }

  private static String state(ImageImportState state) {
    return state.name().replace("IMAGE_IMPORT_STATE_", "");
  }
}
