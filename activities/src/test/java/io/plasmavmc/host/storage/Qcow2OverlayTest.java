package io.plasmavmc.host.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.host.testing.TestTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The native qcow2 writer, judged by qemu-img (check, info) and qemu-io (reads through to the backing file, writes to the overlay). */
class Qcow2OverlayTest {
  private static final long GIB = 1L << 30;
  private static final Path QEMU_IMG = TestTools.require("/usr/bin/qemu-img", "qemu-utils");
  private static final Path QEMU_IO = TestTools.require("/usr/bin/qemu-io", "qemu-utils");

  @TempDir Path tmp;
  private final QemuImg qemuImg = new QemuImg(QEMU_IMG, null);

  @Test
  void aBlankDiskIsWhatQemuImgCreateMakes() throws Exception {
    Path mine = tmp.resolve("mine.qcow2");
    Qcow2Overlay.blank(mine, GIB, true);
    Path theirs = tmp.resolve("theirs.qcow2");
    TestGuest.run(List.of(QEMU_IMG.toString(), "create", "-q", "-f", "qcow2", theirs.toString(), "1G"));

    check(mine);
    JsonNode info = qemuImg.info(mine, DiskFormat.QCOW2);
    assertEquals(GIB, info.path("virtual-size").asLong());
    assertEquals(65536, info.path("cluster-size").asInt());
    assertEquals("1.1", info.path("format-specific").path("data").path("compat").asText());
    assertFalse(info.has("backing-filename"));
    assertEquals(Files.size(theirs), Files.size(mine), "the same layout: header, refcount table and block, L1 table");
    // The fixed header (up to the extensions) is byte for byte qemu-img's.
    assertTrue(Arrays.equals(Arrays.copyOf(Files.readAllBytes(theirs), 104), Arrays.copyOf(Files.readAllBytes(mine), 104)));
  }

  @Test
  void anOverlayReadsItsBackingFileAndWritesOnlyItself() throws Exception {
    Path base = tmp.resolve("base.raw");
    Files.write(base, new byte[1 << 20]);
    qemuIo(base, "raw", "write -P 0xab 0 64k");
    byte[] baseBefore = Files.readAllBytes(base);

    Path overlay = tmp.resolve("overlay.qcow2");
    Qcow2Overlay.overlay(overlay, 2 * GIB, base, DiskFormat.RAW, false);
    check(overlay);
    JsonNode info = qemuImg.info(overlay, DiskFormat.QCOW2);
    assertEquals(2 * GIB, info.path("virtual-size").asLong());
    assertEquals(base.toString(), info.path("backing-filename").asText());
    assertEquals("raw", info.path("backing-filename-format").asText(), "the backing format is stated, never probed");
    assertEquals(new Qcow2Header(3, 2 * GIB, Optional.of(base.toString())), Qcow2Header.read(overlay).orElseThrow());

    qemuIo(overlay, "qcow2", "read -P 0xab 0 64k"); // through to the base
    qemuIo(overlay, "qcow2", "read -P 0 64k 64k");
    qemuIo(overlay, "qcow2", "read -P 0 1536M 64k"); // beyond the base: zeros
    qemuIo(overlay, "qcow2", "write -P 0xcd 0 4k");
    qemuIo(overlay, "qcow2", "write -P 0xef 1536M 64k");
    qemuIo(overlay, "qcow2", "read -P 0xcd 0 4k");
    qemuIo(overlay, "qcow2", "read -P 0xab 4k 60k");
    qemuIo(overlay, "qcow2", "read -P 0xef 1536M 64k");
    check(overlay);
    assertTrue(Arrays.equals(baseBefore, Files.readAllBytes(base)), "the base is never written");
  }

  @Test
  void sizesUpToFourTebibytesFitOneL1Cluster() throws Exception {
    Path largest = tmp.resolve("largest.qcow2");
    Qcow2Overlay.blank(largest, 4096 * GIB, false);
    check(largest);
    assertEquals(4096 * GIB, qemuImg.info(largest, DiskFormat.QCOW2).path("virtual-size").asLong());
    assertThrows(IllegalArgumentException.class, () -> Qcow2Overlay.blank(tmp.resolve("too-large.qcow2"), 4096 * GIB + 1, false));
    assertThrows(IllegalArgumentException.class, () -> Qcow2Overlay.blank(tmp.resolve("empty.qcow2"), 0, false));
    assertThrows(IllegalArgumentException.class,
        () -> Qcow2Overlay.overlay(tmp.resolve("relative.qcow2"), GIB, Path.of("base.raw"), DiskFormat.RAW, false));
  }

  @Test
  void onlyQcow2FilesHaveAHeader() throws Exception {
    Path raw = Files.write(tmp.resolve("raw.img"), new byte[4096]);
    assertTrue(Qcow2Header.read(raw).isEmpty());
    Path tiny = Files.write(tmp.resolve("tiny.img"), new byte[] {'Q', 'F', 'I'});
    assertTrue(Qcow2Header.read(tiny).isEmpty());
  }

  private static void check(Path image) throws Exception {
    TestGuest.run(List.of(QEMU_IMG.toString(), "check", "-q", "-f", "qcow2", image.toString()));
  }

  /** One qemu-io command on {@code image}; its read -P fails unless every byte has the pattern. */
  private static void qemuIo(Path image, String format, String command) throws Exception {
    Path log = Files.createTempFile("qemu-io", ".log");
    try {
      Process process = new ProcessBuilder(QEMU_IO.toString(), "-f", format, "-c", command, image.toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
      int exit = process.waitFor();
      String output = Files.readString(log);
      assertEquals(0, exit, command + ": " + output);
      assertFalse(output.contains("Pattern verification failed") || output.contains("failed"), command + ": " + output);
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
