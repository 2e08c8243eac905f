package io.plasmavmc.host.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.host.qemu.QemuIdentity;
import io.plasmavmc.host.qemu.QemuOptionValue;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * qemu-img, for what the host does to disks and images outside a running QEMU: reading an image's
 * facts and snapshots, taking, applying and deleting snapshots of a stopped VM's disks, converting
 * an import. Always an argument list, always with the format stated (by -f, or by --image-opts
 * where a subcommand has no -f) except where an import's source is probed on purpose.
 * Work on a VM's disks runs as QEMU's user (who owns them), not as the worker.
 */
public final class QemuImg {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration QUICK = Duration.ofMinutes(2);
  /** An import of a large image may take long; it heartbeats meanwhile and ends when cancelled. */
  private static final Duration CONVERT = Duration.ofHours(6);
  private static final Pattern PROGRESS = Pattern.compile("\\((\\d+(?:\\.\\d+)?)/100%\\)");

  private final Path binary;
  private final QemuIdentity identity;

  /** @param identity QEMU's user, whom work on VMs' disks runs as (null: as this process) */
  public QemuImg(Path binary, QemuIdentity identity) {
    this.binary = binary;
    this.identity = identity;
  }

  /** qemu-img's own binary beside QEMU's, as distributions install them. */
  public static Path besides(Path qemuBinary) {
    return qemuBinary.resolveSibling("qemu-img");
  }

  /** {@code qemu-img info} of a VM's disk or an image in {@code format}, as QEMU's user; shares the image's lock. */
  public JsonNode info(Path file, DiskFormat format) {
    return json(HostCommand.run("qemu-img info failed", asQemu(List.of("info", "--output=json", "-U", "-f", format.qemuDriver(),
        file.toString())), Map.of(), QUICK));
  }

  /** {@code qemu-img info} of a file of unknown format (an import's source), probed, as this process. */
  public JsonNode probe(Path file) {
    return json(HostCommand.run("qemu-img could not read the source", command(List.of("info", "--output=json", file.toString())),
        Map.of(), QUICK));
  }

  /** Takes ({@code -c}), applies ({@code -a}) or deletes ({@code -d}) snapshot {@code name} of a stopped VM's qcow2 disk. */
  public void snapshot(String operation, String name, Path disk) {
    if (!List.of("-c", "-a", "-d").contains(operation)) {
      throw new IllegalArgumentException("qemu-img snapshot " + operation);
    }
    // `qemu-img snapshot` has no -f: the format goes in --image-opts, with the path escaped as an option value.
    String image = "driver=qcow2,file.driver=file,file.filename=" + QemuOptionValue.escape("disk", disk.toString());
    HostCommand.run("qemu-img snapshot " + operation + " failed", asQemu(List.of("snapshot", "--image-opts", "-q", operation, name, image)),
        Map.of(), QUICK);
  }

  /**
   * Converts {@code source} (in {@code sourceFormat}, as probed) to {@code target} in {@code targetFormat},
   * handing the percentage done to {@code percent} as qemu-img prints it.
   */
  public void convert(Path source, String sourceFormat, Path target, DiskFormat targetFormat, DoubleConsumer percent) {
    // Into a temporary file a retry deletes: a worker that dies takes this copy with it.
    HostCommand.run("qemu-img could not convert the source", HostCommand.endingWithThisProcess(command(List.of("convert", "-p", "-f",
        sourceFormat, "-O", targetFormat.qemuDriver(), source.toString(), target.toString()))), Map.of(), CONVERT, piece -> {
          Matcher done = PROGRESS.matcher(piece);
          if (done.find()) {
            percent.accept(Double.parseDouble(done.group(1)));
          }
        });
  }

  private List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(args);
    return command;
  }

  private List<String> asQemu(List<String> args) {
    List<String> command = new ArrayList<>(identity == null ? List.of() : identity.prefix());
    command.addAll(command(args));
    return command;
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new DiskToolException("qemu-img printed no JSON", text.length() > 500 ? text.substring(0, 500) : text);
    }
  }
}
