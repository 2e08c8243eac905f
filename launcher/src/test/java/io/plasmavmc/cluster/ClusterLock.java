package io.plasmavmc.cluster;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * One test cluster per machine at a time: its network, namespaces and scratch directory have fixed
 * names (so a killed run's leftovers are found by name), so a second run (another worktree's
 * `mvn verify`) waits for the first instead of tearing its cluster down. The lock is the kernel's
 * (flock): it goes with the JVM that holds it, however that JVM ends, and what it held is then
 * leftovers by definition.
 */
final class ClusterLock implements AutoCloseable {
  private static final Path FILE = Path.of("/run/plasmavmc-test-cluster.lock");

  private final FileChannel channel;
  private final FileLock lock;

  private ClusterLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock, waiting at most {@code limit} for another run to end; the message names the holder's pid. */
  static ClusterLock acquire(Duration limit) {
    try {
      FileChannel channel = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      long deadline = System.nanoTime() + limit.toNanos();
      boolean told = false;
      while (true) {
        FileLock lock = channel.tryLock();
        if (lock != null) {
          channel.truncate(0);
          channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
          return new ClusterLock(channel, lock);
        }
        String holder = Files.readString(FILE).strip();
        if (System.nanoTime() > deadline) {
          channel.close();
          throw new IllegalStateException("another test cluster (the JVM with pid " + holder + ") has held " + FILE + " for over "
              + limit.toMinutes() + " min; the test network, namespaces and scratch directory have fixed names, so one runs at a time");
        }
        if (!told) {
          System.out.println("cluster: another test cluster runs on this machine (pid " + holder + "); waiting for it to end");
          told = true;
        }
        Thread.sleep(500);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot lock " + FILE + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + FILE, e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the lock goes with the channel, and with this JVM at the latest
    }
  }
}
