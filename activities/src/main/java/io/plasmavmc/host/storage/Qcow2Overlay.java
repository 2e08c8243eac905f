package io.plasmavmc.host.storage;

import io.plasmavmc.contract.spec.DiskFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a new, empty qcow2 (version 3) image: a blank disk, or a copy-on-write overlay whose
 * backing file is an image, named by its absolute path with its format given in the header (so
 * neither QEMU nor qemu-img ever probes it). The layout is qemu-img create's: the header in cluster
 * 0, then one cluster each of refcount table, refcount block and L1 table, every L1 entry empty, so
 * every cluster reads from the backing file (or as zeros). Written here rather than by qemu-img:
 * starting qemu-img costs about 16 ms, more than the whole budget for a VM made from an image.
 */
public final class Qcow2Overlay {
  static final int MAGIC = 0x514649fb;
  private static final int CLUSTER_BITS = 16;
  private static final int CLUSTER = 1 << CLUSTER_BITS;
  /** qcow2 v3's header with its compression type byte, padded to 8 bytes, as QEMU 7 writes it. */
  private static final int HEADER_LENGTH = 112;
  private static final int BACKING_FORMAT_EXTENSION = 0xE2792ACA;
  private static final int REFCOUNT_ORDER = 4;
  /** Bytes of disk one L1 entry maps: an L2 table of CLUSTER / 8 entries, a cluster each. */
  private static final long L1_ENTRY_SPAN = (long) CLUSTER / 8 * CLUSTER;
  /** What one cluster of L1 table maps (4 TiB): the only size of L1 table this writer makes. */
  public static final long MAX_SIZE = CLUSTER / 8 * L1_ENTRY_SPAN;
  private static final int MAX_BACKING_NAME = 1023;

  private Qcow2Overlay() {}

  /** A blank qcow2 disk of {@code sizeBytes} at {@code file}, which must not exist. */
  public static void blank(Path file, long sizeBytes, boolean durable) throws IOException {
    write(file, sizeBytes, null, null, durable);
  }

  /**
   * A qcow2 overlay of {@code backing} (an absolute path, in {@code backingFormat}) of {@code sizeBytes}
   * at {@code file}, which must not exist. {@code durable}: on the disk before this returns.
   */
  public static void overlay(Path file, long sizeBytes, Path backing, DiskFormat backingFormat, boolean durable) throws IOException {
    if (!backing.isAbsolute()) {
      throw new IllegalArgumentException("a backing file is named by its absolute path: " + backing);
    }
    write(file, sizeBytes, backing, backingFormat, durable);
  }

  private static void write(Path file, long sizeBytes, Path backing, DiskFormat backingFormat, boolean durable) throws IOException {
    if (sizeBytes <= 0 || sizeBytes > MAX_SIZE) {
      throw new IllegalArgumentException("a qcow2 disk of this writer has 1 byte to 4 TiB: " + sizeBytes);
    }
    long l1Entries = (sizeBytes + L1_ENTRY_SPAN - 1) / L1_ENTRY_SPAN;
    long refcountTable = CLUSTER;
    long refcountBlock = 2L * CLUSTER;
    long l1Table = 3L * CLUSTER;
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeAt(out, header(sizeBytes, l1Entries, l1Table, refcountTable, backing, backingFormat), 0);
      writeAt(out, ByteBuffer.allocate(8).putLong(0, refcountBlock), refcountTable);
      // Clusters 0 to 3 (header, refcount table, refcount block, L1 table) are in use once each.
      ByteBuffer refcounts = ByteBuffer.allocate(8);
      for (int cluster = 0; cluster < 4; cluster++) {
        refcounts.putShort(cluster * 2, (short) 1);
      }
      writeAt(out, refcounts, refcountBlock);
      // The L1 table is all zeros: writing its last entry sizes the file, the rest stays a hole.
      writeAt(out, ByteBuffer.allocate(8), l1Table + (l1Entries - 1) * 8);
      if (durable) {
        out.force(true);
      }
    }
  }

  private static ByteBuffer header(long sizeBytes, long l1Entries, long l1Table, long refcountTable, Path backing,
      DiskFormat backingFormat) {
    byte[] name = backing == null ? new byte[0] : backing.toString().getBytes(StandardCharsets.UTF_8);
    byte[] format = backingFormat == null ? new byte[0] : backingFormat.qemuDriver().getBytes(StandardCharsets.US_ASCII);
    if (name.length > MAX_BACKING_NAME) {
      throw new IllegalArgumentException("qcow2 names a backing file in at most " + MAX_BACKING_NAME + " bytes: " + backing);
    }
    int extensions = backing == null ? 0 : 8 + pad8(format.length);
    int backingOffset = HEADER_LENGTH + extensions + 8;
    ByteBuffer header = ByteBuffer.allocate(backingOffset + name.length);
    header.putInt(MAGIC).putInt(3)
        .putLong(backing == null ? 0 : backingOffset).putInt(name.length)
        .putInt(CLUSTER_BITS).putLong(sizeBytes)
        .putInt(0) // no encryption
        .putInt((int) l1Entries).putLong(l1Table)
        .putLong(refcountTable).putInt(1)
        .putInt(0).putLong(0) // no snapshots
        .putLong(0).putLong(0).putLong(0) // incompatible, compatible, autoclear features: none
        .putInt(REFCOUNT_ORDER).putInt(HEADER_LENGTH)
        .put((byte) 0); // compression type zlib; the rest of the header is padding
    header.position(HEADER_LENGTH);
    if (backing != null) {
      header.putInt(BACKING_FORMAT_EXTENSION).putInt(format.length).put(format);
      header.position(HEADER_LENGTH + extensions);
    }
    header.putInt(0).putInt(0); // end of the header extensions
    header.put(name);
    return header.flip();
  }

  private static int pad8(int length) {
    return (length + 7) & ~7;
  }

  private static void writeAt(FileChannel out, ByteBuffer buffer, long position) throws IOException {
    buffer.rewind();
    while (buffer.hasRemaining()) {
      position += out.write(buffer, position);
    }
  }
}
