package io.plasmavmc.host;

import io.plasmavmc.contract.image.ImageInfo;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.QemuIdentity;
import io.plasmavmc.host.testing.GuestConsole;
import io.plasmavmc.host.testing.ScratchHost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tests on a host of the test class's own ({@link ScratchHost}) with the test guest's disk
 * imported as an image, shared by the class's tests (an import checksums the image); whatever
 * QEMU a test leaves running is ended after it.
 */
abstract class ScratchHostTest {
  static final QemuIdentity IDENTITY = QemuIdentity.ensure("plasmavmc-qemu");

  @TempDir static Path scratch;
  static ScratchHost scratchHost;
  static HostActivitiesImpl host;
  static ImageInfo guestImage;
  final GuestConsole console = new GuestConsole(Duration.ofSeconds(90));

  @BeforeAll
  static void importTheGuestImage() throws Exception {
    scratchHost = new ScratchHost(scratch, IDENTITY);
    host = scratchHost.host;
    guestImage = scratchHost.importGuestImage();
  }

  @AfterEach
  void endWhatATestLeft() {
    scratchHost.killAll();
    console.close();
  }

  @AfterAll
  static void closeTheHost() {
    scratchHost.close();
  }

  /** A VM booted by its firmware from a disk of its own made from the guest image (0: the image's size). */
  static VmSpec fromImage(String name, int sizeGib) {
    return VmSpec.of(name).withAccelerator(Accelerator.TCG).withNetwork(false, List.of())
        .withDisks(List.of(DiskSpec.fromImage(ScratchHost.GUEST_IMAGE, sizeGib)));
  }

  static Path log(String vm) {
    return host.directory(vm).serialLog();
  }
}
