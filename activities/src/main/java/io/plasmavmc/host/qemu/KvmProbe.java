package io.plasmavmc.host.qemu;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;

/** Tells whether this host can run guests under KVM: /dev/kvm exists and this process may open it. */
public final class KvmProbe {
  private KvmProbe() {}

  public static boolean kvmUsable() {
    return kvmUsable(Path.of("/dev/kvm"));
  }

  static boolean kvmUsable(Path device) {
    try (RandomAccessFile ignored = new RandomAccessFile(device.toFile(), "rw")) {
      return true;
    } catch (IOException | SecurityException e) {
      return false;
    }
  }
}
