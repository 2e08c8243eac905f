package io.plasmavmc.host.storage;

import io.plasmavmc.contract.host.ConsoleTail;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/** The end of a file that may grow while it is read (a serial log): at most the bytes asked for, and its length then. */
public final class FileTails {
  private FileTails() {}

  /** The last {@code maxBytes} of {@code file} and its whole length; NoSuchFileException where there is none. */
  public static ConsoleTail tail(Path file, int maxBytes) throws IOException {
    try (FileChannel log = FileChannel.open(file)) {
      long size = log.size();
      int length = (int) Math.min(size, Math.max(0, maxBytes));
      ByteBuffer buffer = ByteBuffer.allocate(length);
      long position = size - length;
      while (buffer.hasRemaining()) {
        int read = log.read(buffer, position + buffer.position());
        if (read < 0) {
          break;
        }
      }
      return new ConsoleTail(Arrays.copyOf(buffer.array(), buffer.position()), size);
    }
  }
}
