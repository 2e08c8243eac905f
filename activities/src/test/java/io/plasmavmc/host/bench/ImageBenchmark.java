package io.plasmavmc.host.bench;

import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.CloudInit;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.HostActivitiesImpl;
import io.plasmavmc.host.qemu.ImageRoots;
import io.plasmavmc.host.qemu.QemuIdentity;
import io.plasmavmc.host.storage.ImageFiles;
import io.plasmavmc.host.storage.Qcow2Overlay;
import io.plasmavmc.host.storage.VmDiskMaker;
import io.plasmavmc.host.storage.VmDisks;
import io.plasmavmc.host.testing.DiskUsage;
import io.plasmavmc.host.testing.GuestConsole;
import io.plasmavmc.host.testing.Percentiles;
import io.plasmavmc.host.testing.ScratchDirectories;
import io.plasmavmc.host.testing.ScratchHost;
import io.plasmavmc.host.testing.TestGuest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Figures of VMs made from images, on real QEMU and qemu-img: what making a VM's disk from an
 * image costs a spawn (the qcow2 overlay written natively, or by qemu-img as a process), with a
 * cloud-init seed, snapshot-save and snapshot-load of a running 128 MiB guest (TCG), and the disk
 * used by 50 VMs' overlays of one image (their QEMUs started at once, paused).
 *
 * <p>Run: {@code tools/bench-host.sh} (both host benchmarks) or {@code BENCHMARKS=ImageBenchmark
 * tools/bench-host.sh}; {@code -Druns=50}, {@code -Dvms=50}, {@code -Dbooted=0} (how many of those
 * VMs to let boot, under TCG: each takes a core for seconds).
 */
public final class ImageBenchmark {
  private static final QemuIdentity IDENTITY = QemuIdentity.ensure("plasmavmc-qemu");

  public static void main(String[] args) throws Exception {
    int runs = Integer.getInteger("runs", 50);
    int vms = Integer.getInteger("vms", 50);
    int booted = Integer.getInteger("booted", 0);
    Path scratch = Files.createTempDirectory("plasmavmc-image-bench");
    try (ScratchHost scratchHost = new ScratchHost(scratch, IDENTITY); GuestConsole console = new GuestConsole(Duration.ofSeconds(120))) {
      scratchHost.importGuestImage();
      Path image = scratchHost.imageFile(ScratchHost.GUEST_IMAGE, "qcow2");
      System.out.printf("image benchmark: %d runs each; image %s (%d bytes); QEMU runs as %s%n", runs, ScratchHost.GUEST_IMAGE,
          Files.size(image), IDENTITY == null ? "this user" : IDENTITY.name());

      Path overlays = Files.createDirectories(scratch.resolve("overlays"));
      double[] nativeDurable = overlays(runs, i -> Qcow2Overlay.overlay(overlays.resolve("d" + i), 1L << 30, image, DiskFormat.QCOW2, true));
      double[] nativePlain = overlays(runs, i -> Qcow2Overlay.overlay(overlays.resolve("n" + i), 1L << 30, image, DiskFormat.QCOW2, false));
      double[] qemuImg = overlays(runs, i -> TestGuest.run(List.of("/usr/bin/qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2",
          "-b", image.toString(), overlays.resolve("q" + i).toString(), "1G")));

      VmDisks disks = new VmDisks(scratchHost.storage.vmsDir(), new ImageFiles(scratchHost.storage.imageStore()), new ImageRoots(List.of()));
      VmDiskMaker maker = new VmDiskMaker(disks, new ImageFiles(scratchHost.storage.imageStore()), IDENTITY);
      VmSpec fromImage = VmSpec.of("bench").withDisks(List.of(DiskSpec.fromImage(ScratchHost.GUEST_IMAGE, 1)))
          .withNetwork(false, List.of());
      double[] storage = overlays(runs, i -> maker.make("plain-" + i, disks.plan("plain-" + i, fromImage), fromImage));
      VmSpec seeded = fromImage.withCloudInit(new CloudInit("#cloud-config\n# plasmavmc-marker: bench\n", null, null));
      double[] withSeed = overlays(runs, i -> maker.make("seeded-" + i, disks.plan("seeded-" + i, seeded), seeded));

      double[][] snapshots = snapshots(scratchHost, console, Math.max(5, runs / 5));
      String usage = fiftyVms(scratchHost, console, vms, booted);

      System.out.println();
      System.out.println("| figure | median | p99 | target |");
      System.out.println("|---|---|---|---|");
      row("qcow2 overlay of the image, native, fsync'd", nativeDurable, "-");
      row("qcow2 overlay of the image, native, not fsync'd (as a spawn makes it)", nativePlain, "-");
      row("qcow2 overlay of the image, qemu-img create (a process)", qemuImg, "-");
      row("a VM's storage at spawn: plan + directory + record + overlay", storage, "<= 10 ms");
      row("the same with a cloud-init seed (mkfs.fat + mcopy)", withSeed, "-");
      row("snapshot-save, running 128 MiB guest (TCG), takeSnapshot activity", snapshots[0], "<= 1000 ms");
      row("snapshot-load, running 128 MiB guest (TCG), restoreSnapshot activity", snapshots[1], "<= 1000 ms");
      row("snapshot-delete, running guest, deleteSnapshot activity", snapshots[2], "-");
      System.out.println();
      System.out.println(usage);
    } finally {
      ScratchDirectories.delete(scratch);
    }
  }

  @FunctionalInterface
  private interface Step {
    void run(int i) throws Exception;
  }

  private static double[] overlays(int runs, Step step) throws Exception {
    step.run(-1); // warm up the path
    double[] samples = new double[runs];
    for (int i = 0; i < runs; i++) {
      long started = System.nanoTime();
      step.run(i);
      samples[i] = millis(started);
    }
    return samples;
  }

  /** Takes, loads and deletes snapshots of one booted guest, {@code runs} times each. */
  private static double[][] snapshots(ScratchHost scratchHost, GuestConsole console, int runs) throws Exception {
    HostActivitiesImpl host = scratchHost.host;
    VmSpec spec = VmSpec.of("snap").withResources(1, 128).withNetwork(false, List.of())
        .withDisks(List.of(DiskSpec.fromImage(ScratchHost.GUEST_IMAGE, 0)))
        .withAccelerator(Accelerator.TCG);
    host.spawnAndStart("snap", spec);
    console.await(host.directory("snap").serialLog(), TestGuest.READY_MARKER, 0);
    double[][] samples = new double[3][runs];
    for (int i = 0; i < runs; i++) {
      long started = System.nanoTime();
      host.takeSnapshot("snap", spec, "s" + i, "save-" + i);
      samples[0][i] = millis(started);
      started = System.nanoTime();
      host.restoreSnapshot("snap", spec, "s" + i, "load-" + i);
      samples[1][i] = millis(started);
      started = System.nanoTime();
      host.deleteSnapshot("snap", spec, "s" + i, "delete-" + i);
      samples[2][i] = millis(started);
    }
    host.kill("snap");
    return samples;
  }

  /** Starts {@code count} VMs from the image at once (paused; {@code booted} of them run), then reports the disk they use. */
  private static String fiftyVms(ScratchHost scratchHost, GuestConsole console, int count, int booted) throws Exception {
    HostActivitiesImpl host = scratchHost.host;
    List<String> ids = new ArrayList<>();
    int failures = 0;
    long started = System.nanoTime();
    for (int i = 0; i < count; i++) {
      String id = "many-" + i;
      VmSpec spec = VmSpec.of(id).withNetwork(false, List.of()).withAccelerator(Accelerator.TCG)
          .withDisks(List.of(DiskSpec.fromImage(ScratchHost.GUEST_IMAGE, 0)));
      try {
        host.spawn(id, spec);
        ids.add(id);
      } catch (RuntimeException e) {
        failures++;
        System.out.println(id + " failed: " + e.getMessage());
      }
    }
    double spawnAll = millis(started);
    for (int i = 0; i < Math.min(booted, ids.size()); i++) {
      host.cont(ids.get(i));
    }
    for (int i = 0; i < Math.min(booted, ids.size()); i++) {
      console.await(host.directory(ids.get(i)).serialLog(), TestGuest.DISK_WRITTEN_MARKER, 0);
    }
    String overlays = DiskUsage.of(ids.stream().map(id -> scratchHost.storage.vmsDir().resolve(id)).toList());
    String store = DiskUsage.of(List.of(scratchHost.storage.imageStore()));
    ids.forEach(host::kill);
    return String.format("%d VMs from one image, QEMU started at once (paused; %d booted) in %.0f ms, %d failures.%n"
        + "disk used (du): the image store %s; the %d VMs' directories together %s", count, booted, spawnAll, failures, store, ids.size(), overlays);
  }

  private static double millis(long start) {
    return (System.nanoTime() - start) / 1e6;
  }

  private static void row(String name, double[] samples, String target) {
    Percentiles p = Percentiles.of(samples);
    System.out.printf("| %s | %.3f ms | %.3f ms | %s |%n", name, p.p50(), p.p99(), target);
  }
}
