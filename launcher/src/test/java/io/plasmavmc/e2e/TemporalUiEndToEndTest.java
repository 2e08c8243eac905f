package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.plasmavmc.api.v1.CreateVmRequest;
import io.plasmavmc.api.v1.StartVmRequest;
import io.plasmavmc.api.v1.StopVmRequest;
import io.plasmavmc.api.v1.VmSpec;
import io.plasmavmc.api.v1.VmState;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The Temporal Web UI of `plasmavmc up`, used as an operator would, in headless Chromium: find a
 * VM's workflow by its VmName search attribute, open its history and read the summaries of the host
 * activities there (spawn, power button, kill), then the VM's summary, details and current
 * details. Screenshots go to target/temporal-ui/.
 */
class TemporalUiEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Path SHOTS = Path.of("target", "temporal-ui");

  @Test
  void anOperatorFindsAVmAndReadsItsHistory() throws Exception {
    try (PlasmaVmcHarness plasma = PlasmaVmcHarness.withUi(Duration.ofSeconds(3)); HeadlessChromium browser = new HeadlessChromium()) {
      VmSpec bare = VmSpec.newBuilder().setMemoryMib(64).setNoNetwork(true).build();
      plasma.vms.createVm(CreateVmRequest.newBuilder().setName("ui-other").setSpec(bare).build());
      plasma.vms.createVm(CreateVmRequest.newBuilder().setName("ui-demo").setSpec(bare).setStart(true).build());
      // No guest OS: it ignores the power button, so the stop presses it, waits 1 s and ends QEMU.
      plasma.vms.stopVm(StopVmRequest.newBuilder().setName("ui-demo").setTimeoutSeconds(1).build());
      assertEquals(VmState.VM_STATE_RUNNING, plasma.vms.startVm(StartVmRequest.newBuilder().setName("ui-demo").build()).getState());

      String query = URLEncoder.encode("VmName=\"ui-demo\"", StandardCharsets.UTF_8);
      browser.open(plasma.uiAddress() + "/namespaces/default/workflows?query=" + query);
      String link = browser.awaitElement("a[href*='/workflows/vm-ui-demo/']", WAIT);
      String list = browser.awaitText(WAIT, "vm-ui-demo", "VmWorkflow");
      assertFalse(list.contains("vm-ui-other"), "the VmName query lists that VM alone:\n" + list);
      browser.screenshot(SHOTS.resolve("1-workflows-by-vm-name.png"));

      browser.click(link); // opens the workflow's event history
      browser.awaitText(WAIT, "HostSpawnAndStart • spawn QEMU and start the guest (create)", "HostPowerdown • press the ACPI power button",
          "graceful shutdown timeout (1 s)", "HostKill • end QEMU (quit, SIGTERM, SIGKILL)",
          "HostSpawnAndStart • spawn QEMU and start the guest (start)");
      browser.screenshot(SHOTS.resolve("2-vm-history.png"));

      browser.click(browser.awaitElementWithText("User Metadata", WAIT));
      // Its summary is set as it starts, before placement chose; its current details name the host and why.
      browser.awaitText(WAIT, "VM ui-demo, its host chosen by placement", "1 vCPU, 64 MiB, q35", "ui-demo on host e2e-host: RUNNING",
          "placement: spread");
      browser.screenshot(SHOTS.resolve("3-vm-summary-and-details.png"));
    }
  }
}
