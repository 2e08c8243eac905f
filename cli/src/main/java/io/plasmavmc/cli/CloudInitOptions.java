package io.plasmavmc.cli;

import io.plasmavmc.api.v1.CloudInit;
import io.plasmavmc.api.v1.VmSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/**
 * cloud-init's NoCloud data for a VM, read by vmctl from files and sent in the spec. Each file is
 * checked against the API's bound before it is read whole (a bound vmctl repeats: it depends on
 * the API's messages alone, and contract.spec.CloudInit holds them), and must be UTF-8 text.
 */
final class CloudInitOptions {
  static final int MAX_USER_DATA_BYTES = 64 * 1024;
  static final int MAX_META_DATA_BYTES = 16 * 1024;
  static final int MAX_NETWORK_CONFIG_BYTES = 16 * 1024;

  private final OptionSpec userData = Args.text("--cloud-init-user-data", "FILE",
      "cloud-init user-data, e.g. #cloud-config with users and SSH keys (at most 64 KiB)");
  private final OptionSpec metaData = Args.text("--cloud-init-meta-data", "FILE",
      "cloud-init meta-data (at most 16 KiB; default: instance-id the VM's uuid, local-hostname its name)");
  private final OptionSpec networkConfig = Args.text("--cloud-init-network-config", "FILE", "cloud-init network-config (at most 16 KiB)");

  List<OptionSpec> options() {
    return List.of(userData, metaData, networkConfig);
  }

  /** With any of the files given, the VM gets a seed; without, none. */
  void addTo(VmSpec.Builder spec) throws IOException {
    String user = userData.getValue();
    String meta = metaData.getValue();
    String network = networkConfig.getValue();
    if (user == null && meta == null && network == null) {
      return;
    }
    spec.setCloudInit(CloudInit.newBuilder()
        .setUserData(read("--cloud-init-user-data", user, MAX_USER_DATA_BYTES))
        .setMetaData(read("--cloud-init-meta-data", meta, MAX_META_DATA_BYTES))
        .setNetworkConfig(read("--cloud-init-network-config", network, MAX_NETWORK_CONFIG_BYTES)));
  }

  private static String read(String option, String file, int maxBytes) throws IOException {
    if (file == null) {
      return "";
    }
    Path path = Path.of(file);
    try {
      if (Files.size(path) > maxBytes) {
        throw new IllegalArgumentException(option + ": " + file + " is " + Files.size(path) + " bytes; the most cloud-init data of its kind "
            + "may have is " + maxBytes);
      }
      byte[] bytes = Files.readAllBytes(path);
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(option + ": " + file + " is not UTF-8 text");
    } catch (IOException e) {
      throw new IOException(option + ": cannot read " + file + " (" + e.getClass().getSimpleName() + ")", e);
    }
  }
}
