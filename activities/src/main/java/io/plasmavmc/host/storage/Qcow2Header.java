package io.plasmavmc.host.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What a qcow2 file's header says of it: its version, the size the guest sees, its backing file.
 * Read from the file's first bytes (a few microseconds) where asking qemu-img would cost a process.
 */
public record Qcow2Header(int version, long virtualSize, Optional<String> backingFile) {
  private static final int FIXED_PART = 104;

  /** The header of {@code file}, or empty if it does not begin as a qcow2 file does. */
  public static Optional<Qcow2Header> read(Path file) throws IOException {
    try (FileChannel in = FileChannel.open(file)) {
      ByteBuffer fixed = ByteBuffer.allocate(FIXED_PART);
      while (fixed.hasRemaining() && in.read(fixed) > 0) {
        // read the fixed part
      }
      if (fixed.position() < 72 || fixed.getInt(0) != Qcow2Overlay.MAGIC) {
        return Optional.empty();
      }
      long backingOffset = fixed.getLong(8);
      int backingSize = fixed.getInt(16);
      Optional<String> backing = Optional.empty();
      if (backingOffset > 0 && backingSize > 0 && backingSize <= 1023) {
        ByteBuffer name = ByteBuffer.allocate(backingSize);
        while (name.hasRemaining() && in.read(name, backingOffset + name.position()) > 0) {
          // read the name
        }
        backing = Optional.of(new String(name.array(), 0, name.position(), StandardCharsets.UTF_8));
      }
      return Optional.of(new Qcow2Header(fixed.getInt(4), fixed.getLong(24), backing));
    }
  }
}
