package io.plasmavmc.host.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.CloudInit;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.InvalidSpecException;
import io.plasmavmc.contract.spec.PortForward;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.storage.ImageFiles;
import io.plasmavmc.host.storage.Qcow2Overlay;
import io.plasmavmc.host.storage.VmDisks;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuCommandLineTest {
  @TempDir Path tmp;
  private Path images;
  private Path run;
  private Path kernel;
  private Path initrd;
  private QemuCommandLine commandLine;
  private VmDisks disks;
  private RuntimeDirectory dir;

  @BeforeEach
  void setUp() throws Exception {
    images = Files.createDirectories(tmp.resolve("images"));
    run = Files.createDirectories(tmp.resolve("run"));
    kernel = Files.writeString(images.resolve("vmlinuz"), "k");
    initrd = Files.writeString(images.resolve("initrd.img"), "i");
    ImageRoots roots = new ImageRoots(List.of(images));
    commandLine = new QemuCommandLine(Path.of("/usr/bin/qemu-system-x86_64"), roots);
    disks = new VmDisks(tmp.resolve("vms"), new ImageFiles(tmp.resolve("store")), roots);
    dir = new RuntimeDirectory(run, "vm-1");
  }

  /** The command line as a spawn builds it: after its disks are planned (and path-form ones checked inside the roots). */
  private List<String> build(VmSpec spec, RuntimeDirectory runtime, Accelerator accelerator) {
    return commandLine.build(spec, runtime, accelerator, disks.plan(runtime.vmId(), spec));
  }

  private String d(String file) {
    return run.resolve("vm-1").resolve(file).toString();
  }

  @Test
  void aGuestAgentGetsItsVirtioSerialChannelInTheRuntimeDirectory() {
    VmSpec spec = VmSpec.of("agent").withNetwork(false, List.of()).withGuestAgent(true);
    List<String> args = build(spec, dir, Accelerator.TCG);
    int at = args.indexOf("virtio-serial-pci,id=virtio-serial0");
    assertTrue(at > 0, args.toString());
    assertEquals(List.of("virtio-serial-pci,id=virtio-serial0", "-chardev", "socket,id=qga0,path=" + d("qga.sock") + ",server=on,wait=off",
        "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0"), args.subList(at, at + 5));
    assertTrue(build(VmSpec.of("plain").withNetwork(false, List.of()), dir, Accelerator.TCG).stream()
        .noneMatch(arg -> arg.contains("qga")), "no channel without an agent");
  }

  @Test
  void minimalSpecGivesTheFixedSafeOptions() {
    VmSpec spec = VmSpec.of("web1").withResources(2, 256).withNetwork(false, List.of());
    List<String> args = build(spec, dir, Accelerator.TCG);
    assertEquals(List.of(
        "/usr/bin/qemu-system-x86_64",
        "-name", "guest=web1,debug-threads=on",
        "-machine", "q35",
        "-accel", "tcg",
        "-smp", "2",
        "-m", "256M",
        "-nodefaults", "-no-user-config",
        "-display", "none",
        "-S",
        "-chardev", "file,id=serial0,path=" + d("serial.log"),
        "-serial", "chardev:serial0",
        "-chardev", "socket,id=qmp,path=" + d("qmp.sock") + ",server=on,wait=off",
        "-mon", "chardev=qmp,mode=control",
        "-pidfile", d("qemu.pid"),
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"), args);
  }

  @Test
  void aMigrationsTargetIsTheSameMachineWaitingForTheVmsStateItsConsoleAppendedTo() {
    VmSpec spec = VmSpec.of("web1").withResources(2, 256).withNetwork(false, List.of());
    List<String> boot = build(spec, dir, Accelerator.TCG);
    List<String> incoming = commandLine.buildIncoming(spec, dir, Accelerator.TCG, disks.plan(dir.vmId(), spec));
    int serial = boot.indexOf("file,id=serial0,path=" + d("serial.log"));
    assertEquals("file,id=serial0,path=" + d("serial.log") + ",append=on", incoming.get(serial),
        "the console the source wrote, carried over first, is kept");
    int pidfile = boot.indexOf("-pidfile");
    assertEquals(List.of("-incoming", "defer"), incoming.subList(pidfile, pidfile + 2), "the address comes by QMP once QEMU runs");
    List<String> rest = new ArrayList<>(incoming);
    rest.remove(pidfile);
    rest.remove(pidfile);
    rest.set(serial, boot.get(serial));
    assertEquals(boot, rest, "everything else as at a boot: a migration needs both ends alike");
  }

  @Test
  void fullSpecGoldenArguments() throws Exception {
    Path disk = Files.writeString(images.resolve("root.qcow2"), "d");
    Path seed = Files.writeString(images.resolve("seed.img"), "s");
    VmSpec spec = VmSpec.of("db")
        .withUuid("0b8f2d3e-5c1a-4f4e-9d3b-2a6c7e8f9a0b")
        .withKernel(kernel.toString(), initrd.toString(), "console=ttyS0 quiet panic=-1")
        .withDisks(List.of(new DiskSpec(disk.toString(), DiskFormat.QCOW2, false), new DiskSpec(seed.toString(), DiskFormat.RAW, true)))
        .withNetwork(true, List.of(new PortForward(PortForward.Protocol.TCP, "127.0.0.1", 2222, 22),
            new PortForward(PortForward.Protocol.UDP, null, 5353, 53)));
    List<String> args = build(spec, dir, Accelerator.KVM);
    String real = images.toRealPath().toString();
    assertEquals(List.of(
        "/usr/bin/qemu-system-x86_64",
        "-name", "guest=db,debug-threads=on",
        "-uuid", "0b8f2d3e-5c1a-4f4e-9d3b-2a6c7e8f9a0b",
        "-machine", "q35",
        "-accel", "kvm",
        "-cpu", "host",
        "-smp", "1",
        "-m", "128M",
        "-nodefaults", "-no-user-config",
        "-display", "none",
        "-S",
        "-kernel", real + "/vmlinuz",
        "-initrd", real + "/initrd.img",
        "-append", "console=ttyS0 quiet panic=-1",
        "-blockdev", "driver=file,node-name=file0,filename=" + real + "/root.qcow2,read-only=off",
        "-blockdev", "driver=qcow2,node-name=disk0,file=file0,read-only=off",
        "-device", "virtio-blk-pci,drive=disk0,id=virtio-disk0",
        "-blockdev", "driver=file,node-name=file1,filename=" + real + "/seed.img,read-only=on",
        "-blockdev", "driver=raw,node-name=disk1,file=file1,read-only=on",
        "-device", "virtio-blk-pci,drive=disk1,id=virtio-disk1",
        "-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:127.0.0.1:5353-:53",
        "-device", "virtio-net-pci,netdev=net0,romfile=",
        "-chardev", "file,id=serial0,path=" + d("serial.log"),
        "-serial", "chardev:serial0",
        "-chardev", "socket,id=qmp,path=" + d("qmp.sock") + ",server=on,wait=off",
        "-mon", "chardev=qmp,mode=control",
        "-pidfile", d("qemu.pid"),
        "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"), args);
  }

  @Test
  void disksOfTheVmsOwnAndItsSeedGoThroughBlockdevWithStableNodeNamesTheFirstDiskBooting() throws Exception {
    Path store = Files.createDirectories(tmp.resolve("store"));
    Qcow2Overlay.blank(store.resolve("base.qcow2"), 1L << 30, false);
    Path scratchDisk = Files.writeString(images.resolve("scratch.img"), "r");
    VmSpec spec = VmSpec.of("vm").withNetwork(false, List.of())
        .withDisks(List.of(DiskSpec.fromImage("base", 2), DiskSpec.blank(1), new DiskSpec(scratchDisk.toString(), DiskFormat.RAW, true)))
        .withCloudInit(new CloudInit("#cloud-config\n", null, null));
    List<String> args = build(spec, dir, Accelerator.TCG);
    String own = tmp.resolve("vms").resolve("vm-1").toString();
    int first = args.indexOf("-blockdev");
    assertEquals(List.of(
        "-blockdev", "driver=file,node-name=file0,filename=" + own + "/disk0.qcow2,read-only=off",
        "-blockdev", "driver=qcow2,node-name=disk0,file=file0,read-only=off",
        "-device", "virtio-blk-pci,drive=disk0,id=virtio-disk0,bootindex=0",
        "-blockdev", "driver=file,node-name=file1,filename=" + own + "/disk1.qcow2,read-only=off",
        "-blockdev", "driver=qcow2,node-name=disk1,file=file1,read-only=off",
        "-device", "virtio-blk-pci,drive=disk1,id=virtio-disk1",
        "-blockdev", "driver=file,node-name=file2,filename=" + images.toRealPath() + "/scratch.img,read-only=on",
        "-blockdev", "driver=raw,node-name=disk2,file=file2,read-only=on",
        "-device", "virtio-blk-pci,drive=disk2,id=virtio-disk2",
        "-blockdev", "driver=file,node-name=seed-file,filename=" + own + "/seed.img,read-only=on",
        "-blockdev", "driver=raw,node-name=seed,file=seed-file,read-only=on",
        "-device", "virtio-blk-pci,drive=seed,id=virtio-seed"), args.subList(first, first + 24));
    assertTrue(args.stream().noneMatch(arg -> arg.contains("base")), "the image is the overlay's backing file, not QEMU's option");
  }

  @Test
  void disksOfTheVmsOwnNeedAnImageOfTheStoreAsLargeAsTheirSize() throws Exception {
    Path store = Files.createDirectories(tmp.resolve("store"));
    Qcow2Overlay.blank(store.resolve("base.qcow2"), 3L << 30, false);
    assertRefused("spec.disks[0].image", VmSpec.of("vm").withDisks(List.of(DiskSpec.fromImage("missing", 0))));
    assertRefused("spec.disks[0].size_gib", VmSpec.of("vm").withDisks(List.of(DiskSpec.fromImage("base", 2))));
    try (RandomAccessFile huge = new RandomAccessFile(store.resolve("huge.raw").toFile(), "rw")) {
      huge.setLength(Qcow2Overlay.MAX_SIZE + 512); // sparse
    }
    assertRefused("spec.disks[0].image", VmSpec.of("vm").withDisks(List.of(DiskSpec.fromImage("huge", 0))));
    Path storeImage = store.resolve("base.qcow2");
    ImageRoots withStore = new ImageRoots(List.of(images, store));
    VmDisks storeIsARoot = new VmDisks(tmp.resolve("vms"), new ImageFiles(store), withStore);
    VmSpec writesTheImage = VmSpec.of("vm").withDisks(List.of(new DiskSpec(storeImage.toString(), DiskFormat.QCOW2, false)));
    assertEquals("spec.disks[0].read_only", assertThrows(InvalidSpecException.class,
        () -> storeIsARoot.plan("vm-1", writesTheImage)).field());
    VmSpec readsTheImage = VmSpec.of("vm").withDisks(List.of(new DiskSpec(storeImage.toString(), DiskFormat.QCOW2, true)));
    assertEquals(storeImage.toRealPath(), storeIsARoot.plan("vm-1", readsTheImage).disks().get(0).file());
  }

  @Test
  void commasInFileNamesAreDoubledSoTheyCannotAddOptions() throws Exception {
    Path hostile = Files.writeString(images.resolve("a,file.driver=host_device,filename=x.img"), "d");
    VmSpec spec = VmSpec.of("vm").withDisks(List.of(new DiskSpec(hostile.toString(), DiskFormat.RAW, false)));
    List<String> args = build(spec, dir, Accelerator.TCG);
    String real = images.toRealPath().toString();
    assertTrue(args.contains("driver=file,node-name=file0,filename=" + real + "/a,,file.driver=host_device,,filename=x.img,read-only=off"), args.toString());
  }

  @Test
  void commasAndEqualsInTheRuntimeDirectoryAreEscapedToo() throws Exception {
    Path odd = Files.createDirectories(tmp.resolve("r,un=x"));
    RuntimeDirectory oddDir = new RuntimeDirectory(odd, "vm");
    List<String> args = build(VmSpec.of("vm").withNetwork(false, List.of()), oddDir, Accelerator.TCG);
    assertTrue(args.contains("socket,id=qmp,path=" + odd.resolve("vm").toString().replace(",", ",,") + "/qmp.sock,server=on,wait=off"));
  }

  @Test
  void hostileNamesAreRefusedNamingTheField() {
    for (String name : List.of("a,b", "web=1", "x\ny", "", "-S", "../etc", "a b", "é")) {
      InvalidSpecException e = assertThrows(InvalidSpecException.class,
          () -> build(VmSpec.of(name), dir, Accelerator.TCG), name);
      assertEquals("spec.name", e.field());
    }
  }

  @Test
  void newlinesInTheKernelCommandLineAreRefused() {
    VmSpec spec = VmSpec.of("vm").withKernel(kernel.toString(), null, "console=ttyS0\n-device evil");
    assertEquals("spec.kernel_cmdline", assertThrows(InvalidSpecException.class, () -> build(spec, dir, Accelerator.TCG)).field());
  }

  @Test
  void hostileMachineTypesAreRefused() {
    for (String machine : List.of("q35,accel=kvm", "pc\n", "q35 -S", "")) {
      VmSpec spec = VmSpec.of("vm").withMachineType(machine);
      assertEquals("spec.machine_type", assertThrows(InvalidSpecException.class, () -> build(spec, dir, Accelerator.TCG)).field());
    }
  }

  @Test
  void pathsOutsideTheImageRootsAreRefused() throws Exception {
    Path outside = Files.writeString(tmp.resolve("secret"), "s");
    assertRefused("spec.kernel", VmSpec.of("vm").withKernel(outside.toString(), null, null));
    assertRefused("spec.kernel", VmSpec.of("vm").withKernel("/etc/shadow", null, null));
    assertRefused("spec.initrd", VmSpec.of("vm").withKernel(kernel.toString(), images + "/../secret", null));
    assertRefused("spec.disks[0].path", VmSpec.of("vm").withDisks(List.of(new DiskSpec(images + "/../secret", DiskFormat.RAW, true))));
    assertRefused("spec.disks[0].path", VmSpec.of("vm").withDisks(List.of(new DiskSpec("relative.img", DiskFormat.RAW, true))));
    assertRefused("spec.disks[0].path", VmSpec.of("vm").withDisks(List.of(new DiskSpec(images + "/missing.img", DiskFormat.RAW, true))));
    assertRefused("spec.disks[0].path", VmSpec.of("vm").withDisks(List.of(new DiskSpec(images.toString(), DiskFormat.RAW, true))));
    assertRefused("spec.disks[0].path", VmSpec.of("vm").withDisks(List.of(new DiskSpec(images + "/x\n.img", DiskFormat.RAW, true))));
  }

  @Test
  void symlinksOutOfTheRootsAreRefusedAndSymlinksWithinAreResolved() throws Exception {
    Path outside = Files.writeString(tmp.resolve("host-file"), "s");
    Path escape = Files.createSymbolicLink(images.resolve("escape.img"), outside);
    assertRefused("spec.disks[0].path", VmSpec.of("vm").withDisks(List.of(new DiskSpec(escape.toString(), DiskFormat.RAW, true))));

    Path alias = Files.createSymbolicLink(images.resolve("current-kernel"), kernel);
    List<String> args = build(VmSpec.of("vm").withKernel(alias.toString(), null, null), dir, Accelerator.TCG);
    assertEquals(kernel.toRealPath().toString(), args.get(args.indexOf("-kernel") + 1));
  }

  @Test
  void badNumbersAndForwardsAreRefused() {
    assertRefused("spec.vcpus", VmSpec.of("vm").withResources(0, 128));
    assertRefused("spec.memory_mib", VmSpec.of("vm").withResources(1, 1));
    assertRefused("spec.uuid", VmSpec.of("vm").withUuid("not-a-uuid,x=y"));
    assertRefused("spec.port_forwards[0].host_address", VmSpec.of("vm").withNetwork(true,
        List.of(new PortForward(PortForward.Protocol.TCP, "127.0.0.1,hostfwd=tcp::1-:2", 2222, 22))));
    assertRefused("spec.port_forwards[0].host_port", VmSpec.of("vm").withNetwork(true,
        List.of(new PortForward(PortForward.Protocol.TCP, "127.0.0.1", 70000, 22))));
    assertRefused("spec.port_forwards", VmSpec.of("vm").withNetwork(false,
        List.of(new PortForward(PortForward.Protocol.TCP, "127.0.0.1", 2222, 22))));
  }

  @Test
  void vmIdsThatWouldEscapeTheRuntimeRootAreRefused() {
    for (String id : List.of("..", "../x", "a/b", ".hidden", "", "x".repeat(65))) {
      assertEquals("vm_id", assertThrows(InvalidSpecException.class, () -> new RuntimeDirectory(run, id)).field(), id);
    }
  }

  private void assertRefused(String field, VmSpec spec) {
    InvalidSpecException e = assertThrows(InvalidSpecException.class, () -> build(spec, dir, Accelerator.TCG));
    assertEquals(field, e.field(), e.getMessage());
  }
}
