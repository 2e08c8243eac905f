package io.plasmavmc.host.qemu;

import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskFormat;
import io.plasmavmc.contract.spec.PortForward;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.storage.DiskLayout;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds QEMU's argument list from a VM spec. The result is passed to the kernel's exec as a list,
 * never through a shell; every value inside an option list is escaped by {@link QemuOptionValue},
 * and every file is resolved inside the {@link ImageRoots}.
 *
 * <p>QEMU always starts paused ({@code -S}) with a pidfile, with no defaults, no user config and
 * no display, with its QMP socket, serial log and pidfile in the VM's runtime directory, and under
 * QEMU's strictest seccomp sandbox: no obsolete system calls, no privilege changes, no spawning,
 * no resource control. {@link QemuLauncher} starts it in a session of its own, already as its
 * unprivileged user, so it outlives the worker without {@code -daemonize} (which the sandbox's
 * {@code spawn=deny} would forbid).
 */
public final class QemuCommandLine {
  static final String SANDBOX = "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny";

  private final Path qemuBinary;
  private final ImageRoots imageRoots;
  private final String kvmCpuModel;

  public QemuCommandLine(Path qemuBinary, ImageRoots imageRoots) {
    this(qemuBinary, imageRoots, "host");
  }

  /** @param kvmCpuModel the -cpu value under KVM ("host" unless the host refuses it, see KvmProbe) */
  public QemuCommandLine(Path qemuBinary, ImageRoots imageRoots, String kvmCpuModel) {
    this.qemuBinary = qemuBinary;
    this.imageRoots = imageRoots;
    this.kvmCpuModel = kvmCpuModel;
  }

  /**
   * @param accelerator the resolved accelerator (never AUTO)
   * @param disks where the spec's disks are on this host (path-form ones checked inside the image roots)
   */
  public List<String> build(VmSpec spec, RuntimeDirectory dir, Accelerator accelerator, DiskLayout disks) {
    return build(spec, dir, accelerator, disks, false);
  }

  /**
   * The command line of a QEMU that receives the VM's state from another host instead of booting
   * it: the same machine (a migration needs both ends alike), waiting for QMP's migrate-incoming
   * ({@code -incoming defer}, so the address and port are chosen once QEMU runs), and its serial
   * log appended to rather than emptied, so the console the source wrote, carried over before the
   * guest runs here, stays in front of what the guest writes here.
   */
  public List<String> buildIncoming(VmSpec spec, RuntimeDirectory dir, Accelerator accelerator, DiskLayout disks) {
    return build(spec, dir, accelerator, disks, true);
  }

  private List<String> build(VmSpec spec, RuntimeDirectory dir, Accelerator accelerator, DiskLayout disks, boolean incoming) {
    spec.validate();
    if (accelerator == Accelerator.AUTO) {
      throw new IllegalArgumentException("resolve the accelerator before building the command line");
    }
    List<String> args = new ArrayList<>();
    args.add(qemuBinary.toString());
    add(args, "-name", "guest=" + QemuOptionValue.escape("spec.name", spec.name()) + ",debug-threads=on");
    if (spec.uuid() != null && !spec.uuid().isEmpty()) {
      add(args, "-uuid", spec.uuid());
    }
    add(args, "-machine", QemuOptionValue.escape("spec.machine_type", spec.machineType()));
    add(args, "-accel", accelerator.qemuName());
    if (accelerator == Accelerator.KVM) {
      add(args, "-cpu", kvmCpuModel);
    }
    add(args, "-smp", Integer.toString(spec.vcpus()));
    add(args, "-m", spec.memoryMib() + "M");
    args.add("-nodefaults");
    args.add("-no-user-config");
    add(args, "-display", "none");
    args.add("-S");

    if (spec.kernel() != null && !spec.kernel().isBlank()) {
      add(args, "-kernel", imageRoots.resolve("spec.kernel", spec.kernel()).toString());
      if (spec.initrd() != null && !spec.initrd().isBlank()) {
        add(args, "-initrd", imageRoots.resolve("spec.initrd", spec.initrd()).toString());
      }
      if (spec.kernelCmdline() != null && !spec.kernelCmdline().isEmpty()) {
        // -append takes its value verbatim (no option parsing); validate() refused control characters.
        add(args, "-append", spec.kernelCmdline());
      }
    }

    // The firmware boots the first disk (SeaBIOS would try the seed first and hang); -kernel boots
    // by an option ROM that holds boot index 0 itself.
    boolean firmwareBoots = spec.kernel() == null || spec.kernel().isBlank();
    for (DiskLayout.Disk disk : disks.disks()) {
      attach(args, "file" + disk.index(), nodeName(disk), disk.file(), disk.format(), disk.readOnly(), firmwareBoots && disk.index() == 0);
    }
    if (disks.seed() != null) {
      attach(args, "seed-file", "seed", disks.seed(), DiskFormat.RAW, true, false);
    }

    if (spec.network()) {
      StringBuilder netdev = new StringBuilder("user,id=net0");
      for (PortForward forward : spec.portForwards()) {
        String hostAddress = forward.hostAddress() == null || forward.hostAddress().isEmpty() ? "127.0.0.1" : forward.hostAddress();
        netdev.append(",hostfwd=").append(forward.protocol().name().toLowerCase()).append(':').append(hostAddress)
            .append(':').append(forward.hostPort()).append("-:").append(forward.guestPort());
      }
      add(args, "-netdev", netdev.toString());
      // romfile= empty: no iPXE option ROM to load (direct kernel boot needs none) and one file fewer to open.
      add(args, "-device", "virtio-net-pci,netdev=net0,romfile=");
    }

    add(args, "-chardev", "file,id=serial0,path=" + QemuOptionValue.escape("runtime_dir", dir.serialLog().toString())
        + (incoming ? ",append=on" : ""));
    add(args, "-serial", "chardev:serial0");
    add(args, "-chardev", "socket,id=qmp,path=" + QemuOptionValue.escape("runtime_dir", qmpSocket(dir).toString())
        + ",server=on,wait=off");
    add(args, "-mon", "chardev=qmp,mode=control");
    if (spec.guestAgent()) {
      // The guest agent's channel: a virtio-serial port the guest's qemu-ga opens by its name.
      add(args, "-device", "virtio-serial-pci,id=virtio-serial0");
      add(args, "-chardev", "socket,id=qga0,path=" + QemuOptionValue.escape("runtime_dir", agentSocket(dir).toString())
          + ",server=on,wait=off");
      add(args, "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0");
    }
    if (incoming) {
      add(args, "-incoming", "defer");
    }
    add(args, "-pidfile", dir.pidFile().toString());
    add(args, "-sandbox", SANDBOX);
    return List.copyOf(args);
  }

  /**
   * One disk through -blockdev: a file node and a format node, the format stated (never probed),
   * the format node named {@code node} (stable: snapshots name it), on a virtio-blk device.
   */
  private static void attach(List<String> args, String fileNode, String node, Path file, DiskFormat format, boolean readOnly,
      boolean boot) {
    String readOnlyValue = readOnly ? "on" : "off";
    add(args, "-blockdev", "driver=file,node-name=" + fileNode + ",filename=" + QemuOptionValue.escape("spec.disks", file.toString())
        + ",read-only=" + readOnlyValue);
    add(args, "-blockdev", "driver=" + format.qemuDriver() + ",node-name=" + node + ",file=" + fileNode + ",read-only=" + readOnlyValue);
    add(args, "-device", "virtio-blk-pci,drive=" + node + ",id=virtio-" + node + (boot ? ",bootindex=0" : ""));
  }

  /** The block node of disk {@code disk}: {@code disk<i>}, i its index in the spec. */
  public static String nodeName(DiskLayout.Disk disk) {
    return "disk" + disk.index();
  }

  /** QEMU's monitor socket in the VM's runtime directory. */
  public static Path qmpSocket(RuntimeDirectory dir) {
    return dir.socket("qmp.sock");
  }

  /** The host's end of the guest agent's virtio-serial channel (VMs with spec.guest_agent). */
  public static Path agentSocket(RuntimeDirectory dir) {
    return dir.socket("qga.sock");
  }

  private static void add(List<String> args, String option, String value) {
    args.add(option);
    args.add(value);
  }
}
