package io.plasmavmc.host.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The image store's lock, held for the moments that decide whether an image is in use: a VM
 * recording that its disks are made of an image (before any overlay exists), and an image being
 * deleted or put in place. Otherwise a deletion could pass its check just before a VM records
 * the image, and take the file from under the VM's new overlay. An flock on {@code <store>/.lock}
 * for other processes (two workers with one host id), a lock per store within this one (an flock
 * is the process's, not a thread's).
 */
final class StoreLock {
  private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  private StoreLock() {}

  static <T> T holding(Path store, Supplier<T> action) {
    ReentrantLock lock = LOCKS.computeIfAbsent(store.toAbsolutePath().normalize(), path -> new ReentrantLock());
    lock.lock();
    try (FileChannel channel = FileChannel.open(store.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = channel.lock()) {
      return action.get();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock the image store " + store, e);
    } finally {
      lock.unlock();
    }
  }
}
