package io.plasmavmc.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.FailureReasons;
import io.plasmavmc.contract.VmState;
import io.plasmavmc.contract.host.MigrationLimits;
import io.plasmavmc.contract.host.MigrationResult;
import io.plasmavmc.contract.host.TargetAbort;
import io.plasmavmc.contract.host.VmHandle;
import io.plasmavmc.contract.host.VmStatus;
import io.plasmavmc.contract.spec.Accelerator;
import io.plasmavmc.contract.spec.DiskSpec;
import io.plasmavmc.contract.spec.VmSpec;
import io.plasmavmc.host.qemu.LinuxProcesses;
import io.plasmavmc.host.testing.QemuProcessTable;
import io.plasmavmc.host.testing.TestGuest;
import io.plasmavmc.host.vmm.RuntimeDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live migration between two hosts on one machine, against real QEMU: two {@link HostActivitiesImpl}
 * with runtime directories of their own (as two hosts' workers), the test guest under TCG, its
 * state sent over loopback. The steps run as the VM's workflow runs them, each repeated where a
 * retry after a worker crash would repeat it.
 */
class MigrationQemuTest {
  private static final Path QEMU = Path.of("/usr/bin/qemu-system-x86_64");
  private static final MigrationLimits LIMITS = new MigrationLimits(1024, 300, Duration.ofMinutes(2));
  private static final String VM = "mover";

  @TempDir Path tmp;
  private Path sourceRun;
  private Path targetRun;
  private HostActivitiesImpl source;
  private HostActivitiesImpl target;

  @BeforeEach
  void setUp() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
    sourceRun = Files.createDirectories(tmp.resolve("source-run"));
    targetRun = Files.createDirectories(tmp.resolve("target-run"));
    source = new HostActivitiesImpl(config(sourceRun));
    target = new HostActivitiesImpl(config(targetRun));
  }

  private static HostConfig config(Path run) {
    return HostConfig.of(run, QEMU, List.of(TestGuest.dir()), false).withQemuIdentity(HostActivitiesQemuTest.IDENTITY);
  }

  @AfterEach
  void tearDown() {
    for (Path run : List.of(sourceRun, targetRun)) {
      for (Long pid : QemuProcessTable.livePidsMentioning(run)) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    source.close();
    target.close();
  }

  private static VmSpec guest() {
    return VmSpec.of(VM).withAccelerator(Accelerator.TCG)
        .withKernel(TestGuest.kernel().toString(), TestGuest.graceful().toString(), TestGuest.CMDLINE)
        .withNetwork(false, List.of());
  }

  /** Boots the guest on the source and waits until it printed its ready marker there. */
  private long bootOnSource() throws Exception {
    VmHandle booted = source.spawn(VM, guest());
    source.cont(VM);
    TestGuest.awaitReady(source.directory(VM).serialLog(), 1, Duration.ofSeconds(90));
    return booted.pid();
  }

  @Test
  void theGuestMovesToTheTargetWhichContinuesItsConsoleAndTheSourceIsGone() throws Exception {
    long sourcePid = bootOnSource();
    RuntimeDirectory sourceDir = source.directory(VM);
    RuntimeDirectory targetDir = target.directory(VM);

    VmHandle incoming = target.migrations().prepareIncoming(VM, guest(), "m1");
    assertFalse(incoming.reattached());
    assertTrue(LinuxProcesses.commandLine(incoming.pid()).contains("defer"), "QEMU waits for its address: -incoming defer");
    assertTrue(target.migrations().prepareIncoming(VM, guest(), "m1").reattached(), "a retried prepare finds its QEMU");
    assertEquals("inmigrate", target.queryStatus(VM).qemuRunState());

    String uri = target.migrations().startIncoming(VM, "m1", "127.0.0.1");
    assertTrue(uri.matches("tcp:127\\.0\\.0\\.1:[0-9]+"), uri);
    assertEquals(uri, target.migrations().startIncoming(VM, "m1", "127.0.0.1"), "a retried listen answers where it listens");

    MigrationResult result = source.migrations().migrate(VM, "m1", uri, LIMITS);
    System.out.println("migrated over loopback under TCG: " + result.figures());
    assertTrue(result.bytesTransferred() > 0 && result.totalTimeMs() > 0, result.toString());
    assertEquals("postmigrate", source.queryStatus(VM).qemuRunState(), "the source's guest stopped once its state went");
    assertEquals(result.bytesTransferred(), source.migrations().migrate(VM, "m1", uri, LIMITS).bytesTransferred(),
        "a retried transfer finds it completed instead of sending again");

    byte[] console = source.readConsole(VM, 64 * 1024).data();
    VmStatus finished = target.migrations().finishTarget(VM, "m1", console, true);
    assertEquals(VmState.RUNNING, finished.state(), finished.toString());
    assertEquals(incoming.pid(), finished.pid());
    assertEquals(VmState.RUNNING, target.migrations().finishTarget(VM, "m1", console, true).state(), "a retried finish finds it done");
    assertEquals(TargetAbort.TARGET_OWNS_VM, target.migrations().abortTarget(VM, "m1"), "a late abort leaves the VM's QEMU alone");
    assertTrue(target.queryStatus(VM).alive());

    source.migrations().endSource(VM, "m1");
    // Gone, or a zombie this JVM (its parent here) has not reaped yet.
    assertTrue(LinuxProcesses.state(sourcePid).map(state -> state == 'Z').orElse(true), "the source's QEMU is gone");
    assertFalse(Files.exists(sourceDir.path()), "and its runtime directory");
    source.migrations().endSource(VM, "m1"); // retried: nothing left to end
    assertEquals(1, QemuProcessTable.livePidsMentioning(targetRun).size());
    assertTrue(QemuProcessTable.livePidsMentioning(sourceRun).isEmpty());

    // The guest runs on the target: its power button is pressed there, and its console goes on in the target's serial log.
    target.powerdown(VM);
    VmStatus exited = target.awaitExit(VM, Duration.ofSeconds(60));
    assertEquals(VmState.STOPPED, exited.state(), exited.toString());
    assertEquals("the guest powered off", exited.reason());
    String targetConsole = Files.readString(targetDir.serialLog(), StandardCharsets.UTF_8);
    int before = targetConsole.indexOf(TestGuest.READY_MARKER + " variant=graceful");
    int after = targetConsole.indexOf("guest: power button pressed, powering off");
    assertTrue(before >= 0 && after > before, "the source's console, then what the guest wrote on the target:\n" + targetConsole);
  }

  @Test
  void aPausedGuestArrivesPausedAndRunsOnceResumedThere() throws Exception {
    bootOnSource();
    assertEquals(VmState.PAUSED, source.pause(VM).state());
    target.migrations().prepareIncoming(VM, guest(), "m4");
    String uri = target.migrations().startIncoming(VM, "m4", "127.0.0.1");
    source.migrations().migrate(VM, "m4", uri, LIMITS);
    VmStatus arrived = target.migrations().finishTarget(VM, "m4", source.readConsole(VM, 64 * 1024).data(), false);
    assertEquals(VmState.PAUSED, arrived.state(), arrived.toString());
    assertEquals("paused", arrived.qemuRunState(), "the guest is as it was: paused");
    source.migrations().endSource(VM, "m4");
    assertEquals(VmState.RUNNING, target.cont(VM).state());
    target.powerdown(VM);
    assertEquals("the guest powered off", target.awaitExit(VM, Duration.ofSeconds(60)).reason());
  }

  @Test
  void aFailedTransferLeavesTheSourceRunningAndATargetThatSharesItsRuntimeDirectoryIsRefused() throws Exception {
    long sourcePid = bootOnSource();
    try (HostActivitiesImpl sameRoot = new HostActivitiesImpl(config(sourceRun))) {
      HostRefusedException clash = assertThrows(HostRefusedException.class, () -> sameRoot.migrations().prepareIncoming(VM, guest(), "m2"));
      assertEquals(FailureReasons.MIGRATION_UNSUPPORTED, clash.reason(), clash.getMessage());
    }
    assertEquals(sourcePid, source.queryStatus(VM).pid(), "the VM's own QEMU was not taken for a target");

    target.migrations().prepareIncoming(VM, guest(), "m3");
    String uri = target.migrations().startIncoming(VM, "m3", "127.0.0.1");
    assertEquals(TargetAbort.ABORTED, target.migrations().abortTarget(VM, "m3"));
    assertFalse(Files.exists(target.directory(VM).path()));
    assertEquals(TargetAbort.NOTHING_THERE, target.migrations().abortTarget(VM, "m3"), "a retried abort finds nothing");

    HostRefusedException failed = assertThrows(HostRefusedException.class, () -> source.migrations().migrate(VM, "m3", uri, LIMITS));
    assertEquals(FailureReasons.MIGRATION_FAILED, failed.reason(), failed.getMessage());
    VmStatus after = source.queryStatus(VM);
    assertEquals(VmState.RUNNING, after.state(), "QEMU resumed the source's guest: " + after);
    assertEquals(sourcePid, after.pid());
    assertEquals(VmState.RUNNING, source.migrations().resumeSource(VM, "m3", true).state());
    HostRefusedException running = assertThrows(HostRefusedException.class, () -> source.migrations().endSource(VM, "m3"));
    assertEquals(FailureReasons.MIGRATION_FAILED, running.reason(), "a source whose guest runs is never ended");
    assertTrue(source.queryStatus(VM).alive());
  }

  @Test
  void aVmWithDisksOfItsOwnGoesOnlyToATargetSharingTheStorageTheyAreOn() throws Exception {
    HostStorage storage = HostStorage.under(Files.createDirectories(tmp.resolve("storage")));
    try (HostActivitiesImpl host = new HostActivitiesImpl(config(targetRun).withStorage(storage))) {
      VmSpec disky = guest().withDisks(List.of(DiskSpec.blank(1)));
      HostRefusedException unshared = assertThrows(HostRefusedException.class, () -> host.migrations().prepareIncoming(VM, disky, "m5"));
      assertEquals(FailureReasons.MIGRATION_UNSUPPORTED, unshared.reason(), unshared.getMessage());
      assertTrue(unshared.getMessage().contains("this host shares no storage"), unshared.getMessage());

      // Declaring shared storage is not enough: the disks the source wrote must be there, or nothing is started (nor made).
      HostRefusedException missing = assertThrows(HostRefusedException.class,
          () -> host.migrations().sharingStorage("nas").prepareIncoming(VM, disky, "m5"));
      assertEquals(FailureReasons.MIGRATION_UNSUPPORTED, missing.reason(), missing.getMessage());
      assertTrue(missing.getMessage().contains("own disks are not in this host's VMs' directory"), missing.getMessage());
      assertFalse(Files.exists(storage.vmsDir().resolve(VM)), "no disk made anew");
      assertEquals(List.of(), QemuProcessTable.livePidsMentioning(targetRun));
    }
  }
}
