package io.plasmavmc.host.storage;

import io.plasmavmc.contract.spec.CloudInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cloud-init NoCloud seed: a small FAT filesystem labelled CIDATA holding meta-data, user-data
 * and (if given) network-config, made and filled without a mount by dosfstools' mkfs.fat and
 * mtools' mcopy, from argument lists. What a client sent is only ever the content of those files.
 */
public final class CloudInitSeed {
  static final Path MKFS_FAT = Path.of("/usr/sbin/mkfs.fat");
  static final Path MCOPY = Path.of("/usr/bin/mcopy");
  /** Room for the largest data the spec admits (64 + 16 + 16 KiB) with FAT12's overhead. */
  private static final int SIZE_KIB = 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private CloudInitSeed() {}

  /**
   * The meta-data the VM gets: the spec's if it has any, else its instance-id (the VM's uuid) and
   * local-hostname (its name), as cloud-init's NoCloud expects them.
   */
  public static String metaData(CloudInit cloudInit, String instanceId, String hostname) {
    String given = cloudInit.metaData();
    if (given != null && !given.isBlank()) {
      return given;
    }
    return "instance-id: " + instanceId + "\nlocal-hostname: " + hostname + "\n";
  }

  /** Writes the seed to {@code seed}, which must not exist; {@code scratch} is an empty directory of the caller's for the files. */
  public static void write(Path seed, Path scratch, CloudInit cloudInit, String metaData) throws IOException {
    List<String> copy = new ArrayList<>(List.of(MCOPY.toString(), "-i", seed.toString()));
    copy.add(Files.writeString(scratch.resolve("meta-data"), metaData).toString());
    copy.add(Files.writeString(scratch.resolve("user-data"), orEmpty(cloudInit.userData())).toString());
    if (cloudInit.networkConfig() != null && !cloudInit.networkConfig().isBlank()) {
      copy.add(Files.writeString(scratch.resolve("network-config"), cloudInit.networkConfig()).toString());
    }
    copy.add("::");
    HostCommand.run("cannot make the cloud-init seed (mkfs.fat)", List.of(MKFS_FAT.toString(), "-n", "CIDATA", "-C", seed.toString(),
        Integer.toString(SIZE_KIB)), Map.of(), TIMEOUT);
    // mtools otherwise checks the filesystem's geometry against a floppy's, and reads no user's configuration.
    HostCommand.run("cannot make the cloud-init seed (mcopy)", copy, Map.of("MTOOLS_SKIP_CHECK", "1", "MTOOLSRC", "/dev/null"), TIMEOUT);
  }

  private static String orEmpty(String text) {
    return text == null ? "" : text;
  }
}
