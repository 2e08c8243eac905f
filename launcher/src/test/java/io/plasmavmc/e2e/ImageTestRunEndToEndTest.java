package io.plasmavmc.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.api.v1.GetImageRequest;
import io.plasmavmc.api.v1.GetLifecycleTestAttemptConsoleRequest;
import io.plasmavmc.cli.Vmctl;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A lifecycle test run on an image, as a pipeline runs one: vmctl test --image ... --junit, at a
 * concurrency above 1 (each iteration boots a throwaway overlay: no image lock between them),
 * followed through the run's stream, the report read by the JDK's XML parser as a CI system reads
 * it, the image's sha256 unchanged (as ImageService says it and as the file in the store is), no
 * VM directory left, and each attempt's console, kept by the host, read after its VM is gone.
 */
class ImageTestRunEndToEndTest {
  private static PlasmaVmcHarness plasma;

  @BeforeAll
  static void up() throws Exception {
    plasma = new PlasmaVmcHarness(Duration.ofSeconds(5));
  }

  @AfterAll
  static void down() throws Exception {
    plasma.close();
  }

  @Test
  void aRunOnAnImageAtConcurrencyTwoWritesAJUnitReportAndLeavesTheImageAsItWas() throws Exception {
    String before = TestImages.importTestDisk(plasma, "pipeline").getSha256();
    Path report = plasma.configDir.resolve("junit.xml");
    String file = TestImages.sha256(plasma.imageStoreDir.resolve("pipeline.qcow2"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new Vmctl(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        plasma.configDir).run("--server",
        "127.0.0.1:" + plasma.stack.grpcPort(), "test", "on-image", "--image", "pipeline", "--accel", "tcg", "--no-network",
        "--ready-pattern", "PLASMAVMC-GUEST-READY", "--ready-timeout", "180", "--expect", "PLASMAVMC-DISK-WRITTEN .* boots=1",
        "--iterations", "4", "--concurrency", "2", "--junit", report.toString());
    String printed = out.toString(StandardCharsets.UTF_8);
    String events = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed + events);
    for (int i = 1; i <= 4; i++) {
      assertTrue(events.contains("  on-image-" + i + "-1: started") && events.contains("  on-image-" + i + "-1: passed after "),
          "iteration " + i + " from the stream:\n" + events);
    }

    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document junit = factory.newDocumentBuilder().parse(report.toFile());
    Element suite = (Element) junit.getElementsByTagName("testsuite").item(0);
    assertEquals("on-image", suite.getAttribute("name"));
    assertEquals("4", suite.getAttribute("tests"));
    assertEquals("0", suite.getAttribute("failures"));
    NodeList cases = suite.getElementsByTagName("testcase");
    assertEquals(4, cases.getLength());
    for (int i = 0; i < cases.getLength(); i++) {
      Element testCase = (Element) cases.item(i);
      assertEquals("on-image-" + (i + 1), testCase.getAttribute("name"));
      assertTrue(Double.parseDouble(testCase.getAttribute("time")) > 0, testCase.getAttribute("time"));
    }
    assertTrue(Files.readString(report).contains("<property name=\"console\" value=\"vmctl test-console on-image on-image-3-1\"/>"),
        "each iteration names the command that prints its kept console");
    assertTrue(junit.getDocumentElement().getTextContent().isBlank(), "no failure text");
    assertEquals(before, plasma.images.getImage(GetImageRequest.newBuilder().setName("pipeline").build()).getSha256(),
        "every iteration wrote its own overlay, never the image");
    assertEquals(file, TestImages.sha256(plasma.imageStoreDir.resolve("pipeline.qcow2")), "the file in the store, read again");
    try (Stream<Path> left = Files.list(plasma.vmsDir)) {
      assertEquals(List.of(), left.map(Path::getFileName).map(Path::toString).filter(name -> name.startsWith("on-image-")).toList(),
          "each iteration's overlay went with its VM");
    }

    // Each guest wrote its own overlay's boot log once: its console, kept by the host, says so after the VM is gone.
    String console = plasma.tests.getLifecycleTestAttemptConsole(GetLifecycleTestAttemptConsoleRequest.newBuilder().setRunId("on-image")
        .setVmName("on-image-3-1").build()).getData().toString(StandardCharsets.ISO_8859_1);
    assertEquals(List.of(1), TestImages.bootCounts(console), console);
  }
}
