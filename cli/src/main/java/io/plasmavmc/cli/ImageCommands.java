package io.plasmavmc.cli;

import io.plasmavmc.api.v1.DeleteImageRequest;
import io.plasmavmc.api.v1.DeleteImageResponse;
import io.plasmavmc.api.v1.DiskFormat;
import io.plasmavmc.api.v1.GetImageImportRequest;
import io.plasmavmc.api.v1.GetImageRequest;
import io.plasmavmc.api.v1.ImageImport;
import io.plasmavmc.api.v1.ImageImportState;
import io.plasmavmc.api.v1.ImageServiceGrpc.ImageServiceBlockingStub;
import io.plasmavmc.api.v1.ImportImageRequest;
import io.plasmavmc.api.v1.ListImagesRequest;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** vmctl image list|get|import|import-status|delete: a host's image store (the API's ImageService). */
final class ImageCommands {
  private ImageCommands() {}

  static void addTo(Commands commands) {
    commands.add("image", vmctl -> new CommandGroup(vmctl,
        "A host's image store: base images that VMs' disks are copy-on-write overlays of.",
        "A VM's disk is made from one with vmctl create --image NAME.")
        .add("list", ListImages::new)
        .add("get", Get::new)
        .add("import", Import::new)
        .add("import-status", ImportStatus::new)
        .add("delete", Delete::new));
  }

  /** A command on a host's image store: --host, and how it prints. */
  abstract static class StoreCommand extends GatewayCommand {
    private final OptionSpec host = arg(Args.text("--host", "ID", "", "the host (default: the gateway's)"));

    StoreCommand(VmctlCommand vmctl, String... description) {
      super(vmctl, description);
    }

    String host() {
      return host.getValue();
    }

    ImagePrinter printer() {
      return new ImagePrinter(out(), err(), json());
    }
  }

  /** A command about one image, named by its first word. */
  abstract static class ImageCommand extends StoreCommand {
    private final PositionalParamSpec name = arg(Args.word("NAME", "the image's name"));

    ImageCommand(VmctlCommand vmctl, String... description) {
      super(vmctl, description);
    }

    String name() {
      return name.getValue();
    }
  }

  static final class ListImages extends StoreCommand {
    ListImages(VmctlCommand vmctl) {
      super(vmctl, "Lists the images of a host's store: format, sizes, the VMs using each, its sha256.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      printer().table(gateway.images().listImages(ListImagesRequest.newBuilder().setHostId(host()).build()));
      return ExitCode.OK;
    }
  }

  static final class Get extends ImageCommand {
    Get(VmctlCommand vmctl) {
      super(vmctl, "Shows an image: format, size for guests and on disk, sha256, the VMs using it.");
    }

    @Override
    ExitCode run(Gateway gateway) {
      printer().details(gateway.images().getImage(GetImageRequest.newBuilder().setName(name()).setHostId(host()).build()));
      return ExitCode.OK;
    }
  }

  static final class Import extends ImageCommand {
    private static final Duration POLL = Duration.ofMillis(500);

    private final PositionalParamSpec source = arg(Args.word("SOURCE", "the file, relative to the host's import directory"));
    private final OptionSpec convert = arg(Args.choice("--convert", "FORMAT", List.of("qcow2", "raw"),
        "convert it: ${CHOICES} (default: keep the source's own format, qcow2 or raw)"));
    private final OptionSpec watch = arg(Args.flag("--watch", "show its progress until it is done; exit code 1 if it failed"));

    Import(VmctlCommand vmctl) {
      super(vmctl, "Imports a file of the host's import directory as an image (a durable workflow: it goes on without vmctl).",
          "Importing a name being imported joins that import.");
      spec().usageMessage().header("Imports a file of the host's import directory as an image.");
    }

    @Override
    ExitCode run(Gateway gateway) throws InterruptedException {
      ImageServiceBlockingStub images = gateway.images();
      ImageImport started = images.importImage(ImportImageRequest.newBuilder().setName(name()).setSource(source.getValue())
          .setHostId(host()).setConvertTo(format(convert.getValue()))
          .build());
      ImagePrinter printer = printer();
      if (!watch.<Boolean>getValue()) {
        printer.started(started);
        return ExitCode.OK;
      }
      ImageImport now = started;
      while (now.getState() == ImageImportState.IMAGE_IMPORT_STATE_RUNNING) {
        printer.progress(now);
        Thread.sleep(POLL.toMillis()); // the API has no stream of an import's progress: poll it
        now = images.getImageImport(GetImageImportRequest.newBuilder().setName(name()).setHostId(started.getHostId()).build());
      }
      return printer.ended(now);
    }
  }

  private static DiskFormat format(String name) {
    return switch (name == null ? "" : name) {
      case "" -> DiskFormat.DISK_FORMAT_UNSPECIFIED;
      case "qcow2" -> DiskFormat.DISK_FORMAT_QCOW2;
      case "raw" -> DiskFormat.DISK_FORMAT_RAW;
      default -> throw new IllegalArgumentException("--convert must be qcow2 or raw, not " + name);
    };
  }

  static final class ImportStatus extends ImageCommand {
    ImportStatus(VmctlCommand vmctl) {
      super(vmctl, "Shows an import: its progress, the image once done, or why it failed (exit code 1).");
    }

    @Override
    ExitCode run(Gateway gateway) {
      ImageImport found = gateway.images().getImageImport(GetImageImportRequest.newBuilder().setName(name()).setHostId(host()).build());
      if (found.getState() == ImageImportState.IMAGE_IMPORT_STATE_RUNNING) {
        printer().running(found);
        return ExitCode.OK;
      }
      return printer().ended(found);
    }
  }

  static final class Delete extends ImageCommand {
    Delete(VmctlCommand vmctl) {
      super(vmctl, "Deletes an image; refused while a VM's disk is made from it (admin role).");
    }

    @Override
    ExitCode run(Gateway gateway) {
      DeleteImageResponse deleted = gateway.images().deleteImage(DeleteImageRequest.newBuilder().setName(name()).setHostId(host()).build());
      if (json()) {
        printJson(deleted);
      } else {
        out().printf("deleted image %s%s%n", name(), host().isEmpty() ? "" : " on host " + host());
      }
      return ExitCode.OK;
    }
  }
}
