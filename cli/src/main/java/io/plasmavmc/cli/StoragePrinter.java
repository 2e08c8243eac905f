package io.plasmavmc.cli;

import io.plasmavmc.api.v1.CloudInit;
import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.Snapshot;
import io.plasmavmc.api.v1.Vm;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The lines of a VM's details about its storage: each disk in its form, its cloud-init data, its snapshots. */
final class StoragePrinter {
  private static final String LABEL = "%-13s";

  private StoragePrinter() {}

  static void details(PrintStream out, Vm vm) {
    List<Disk> disks = vm.getSpec().getDisksList();
    for (int i = 0; i < disks.size(); i++) {
      out.printf(LABEL + "%d. %s%n", i == 0 ? "disks:" : "", i + 1, disk(disks.get(i)));
    }
    if (vm.getSpec().hasCloudInit()) {
      CloudInit data = vm.getSpec().getCloudInit();
      out.printf(LABEL + "%s, %s, %s%n", "cloud-init:", part("user-data", data.getUserData(), "empty"),
          part("meta-data", data.getMetaData(), "the default (instance-id, hostname)"), part("network-config", data.getNetworkConfig(), "none"));
    }
    List<Snapshot> snapshots = vm.getSnapshotsList();
    for (int i = 0; i < snapshots.size(); i++) {
      Snapshot snapshot = snapshots.get(i);
      out.printf(LABEL + "%-24s %s  %s%n", i == 0 ? "snapshots:" : "", snapshot.getName(), VmPrinter.instant(snapshot.getCreatedAt()),
          SnapshotPrinter.content(snapshot));
    }
  }

  /** A disk in its form: a file the user manages, or one of the VM's own (over an image, or blank). */
  static String disk(Disk disk) {
    if (!disk.getPath().isEmpty()) {
      return disk.getPath() + " (" + ImagePrinter.format(disk.getFormat()) + (disk.getReadOnly() ? ", read-only" : "") + ")";
    }
    String size = disk.getSizeGib() == 0 ? "" : disk.getSizeGib() + " GiB";
    if (!disk.getImage().isEmpty()) {
      return "image " + disk.getImage() + (size.isEmpty() ? "" : ", grown to " + size) + " (a copy-on-write disk of its own)";
    }
    return "blank, " + size + " (a disk of its own)";
  }

  private static String part(String name, String text, String whenEmpty) {
    return name + " " + (text.isEmpty() ? whenEmpty : Sizes.of(text.getBytes(StandardCharsets.UTF_8).length));
  }
}
