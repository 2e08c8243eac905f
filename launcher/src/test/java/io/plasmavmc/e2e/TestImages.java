package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.plasmavmc.api.v1.Accelerator;
import io.plasmavmc.api.v1.Disk;
import io.plasmavmc.api.v1.GetConsoleLogRequest;
import io.plasmavmc.api.v1.GetImageImportRequest;
import io.plasmavmc.api.v1.Image;
import io.plasmavmc.api.v1.ImageImport;
import io.plasmavmc.api.v1.ImageImportState;
import io.plasmavmc.api.v1.ImageServiceGrpc.ImageServiceBlockingStub;
import io.plasmavmc.api.v1.ImportImageRequest;
import io.plasmavmc.api.v1.ReadinessProbe;
import io.plasmavmc.api.v1.VmServiceGrpc.VmServiceBlockingStub;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.host.testing.TestGuest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the image, cloud-init, snapshot, lifecycle test and chaos tests (and the image run
 * benchmark) share: the test guest's bootable disk imported as an image, a spec booting from it,
 * and the guest's console read through the API.
 */
public final class TestImages {
  private static final Pattern BOOTS = Pattern.compile(TestGuest.DISK_WRITTEN_MARKER + " device=\\S+ boots=(\\d+)");

  private TestImages() {}

  /** Imports the test guest's disk (TestGuest.disk()) as image {@code name} through ImportImage, and waits for it. */
  static Image importTestDisk(PlasmaVmcHarness plasma, String name) throws Exception {
    return importTestDisk(plasma.images, plasma.importDir, name);
  }

  /** As {@link #importTestDisk(PlasmaVmcHarness, String)} on the host whose import directory is {@code importDir}. */
  public static Image importTestDisk(ImageServiceBlockingStub images, Path importDir, String name) throws Exception {
    Files.copy(TestGuest.disk(), importDir.resolve(name + ".qcow2"), StandardCopyOption.REPLACE_EXISTING);
    ImageImport started = images.importImage(ImportImageRequest.newBuilder().setName(name).setSource(name + ".qcow2").build());
    assertEquals(ImageImportState.IMAGE_IMPORT_STATE_RUNNING, started.getState(), "ImportImage answers at once");
    return awaitImport(images, name, Duration.ofMinutes(2)).getImage();
  }

  /** Polls GetImageImport until the import of image {@code name} has ended; asserts that it is DONE. */
  public static ImageImport awaitImport(ImageServiceBlockingStub images, String name, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    ImageImport now = images.getImageImport(GetImageImportRequest.newBuilder().setName(name).build());
    while (now.getState() == ImageImportState.IMAGE_IMPORT_STATE_RUNNING && System.nanoTime() < deadline) {
      Thread.sleep(100);
      now = images.getImageImport(GetImageImportRequest.newBuilder().setName(name).build());
    }
    assertEquals(ImageImportState.IMAGE_IMPORT_STATE_DONE, now.getState(), now.toString());
    return now;
  }

  /** The test guest booting from a disk of its own made from {@code image}, ready once it prints its marker. */
  public static VmSpec bootingFrom(String image) {
    return VmSpec.newBuilder()
        .setMemoryMib(128)
        .setAccelerator(Accelerator.ACCELERATOR_TCG)
        .setNoNetwork(true)
        .addDisks(Disk.newBuilder().setImage(image))
        .setReadiness(ReadinessProbe.newBuilder().setSerialPattern(TestGuest.READY_MARKER).setTimeoutSeconds(180))
        .build();
  }

  /** The guest's serial console as GetConsoleLog returns it (its last MiB). */
  static String console(PlasmaVmcHarness plasma, String vm) {
    return console(plasma.vms, vm);
  }

  public static String console(VmServiceBlockingStub vms, String vm) {
    return vms.getConsoleLog(GetConsoleLogRequest.newBuilder().setName(vm).setMaxBytes(1024 * 1024).build()).getData()
        .toString(StandardCharsets.ISO_8859_1);
  }

  /** Waits until the console satisfies {@code seen}; returns it. */
  static String awaitConsole(PlasmaVmcHarness plasma, String vm, Predicate<String> seen, Duration timeout) throws InterruptedException {
    return awaitConsole(plasma.vms, vm, seen, timeout);
  }

  public static String awaitConsole(VmServiceBlockingStub vms, String vm, Predicate<String> seen, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String console = console(vms, vm);
    while (!seen.test(console)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not seen on the console of " + vm + " within " + timeout.toSeconds() + " s:\n" + console);
      }
      Thread.sleep(250);
      console = console(vms, vm);
    }
    return console;
  }

  /** The boot counts the guest printed, in order: each boot counts itself into its disk's boot log partition. */
  public static List<Integer> bootCounts(String console) {
    Matcher matcher = BOOTS.matcher(console);
    return matcher.results().map(m -> Integer.parseInt(m.group(1))).toList();
  }

  public static String sha256(Path file) throws IOException {
    try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
