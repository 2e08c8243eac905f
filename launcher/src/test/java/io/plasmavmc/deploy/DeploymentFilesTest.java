package io.plasmavmc.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.WorkflowSearchAttributes;
import io.plasmavmc.host.testing.ScratchDirectories;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the files it and the worker's systemd unit rely on, checked for the
 * structure a production user relies on (no Docker engine runs here to bring it up): pinned
 * images, a health check on every long-running service, start-up ordered by health and completed
 * jobs, the schema job before the server, the search attributes the workflows set; Temporal's
 * unauthenticated port on loopback only, its TLS overlay, and jobs that give up in bounded time.
 */
class DeploymentFilesTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static Map<String, Map<String, Object>> services;
  private static Map<String, Object> compose;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void read() throws Exception {
    compose = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
    services = (Map<String, Map<String, Object>>) compose.get("services");
  }

  private static Map<String, Object> service(String name) {
    Map<String, Object> service = services.get(name);
    assertNotNull(service, "service " + name);
    return service;
  }

  @SuppressWarnings("unchecked")
  private static String dependency(String service, String on) {
    Map<String, Map<String, String>> dependsOn = (Map<String, Map<String, String>>) service(service).get("depends_on");
    assertNotNull(dependsOn, service + " has depends_on with conditions");
    Map<String, String> condition = dependsOn.get(on);
    assertNotNull(condition, service + " depends on " + on);
    return condition.get("condition");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> environment(String service) {
    return (Map<String, Object>) service(service).get("environment");
  }

  @Test
  void everyImageIsPinnedAndRecentEnough() {
    Pattern version = Pattern.compile("([^:]+):(\\d+)\\.(\\d+)(?:\\.(\\d+))?");
    services.forEach((name, service) -> {
      String image = (String) service.get("image");
      assertNotNull(image, name + " names its image");
      Matcher m = version.matcher(image);
      assertTrue(m.matches(), name + ": image pinned to a version, not a floating tag: " + image);
    });
    assertFalse(services.values().stream().anyMatch(s -> String.valueOf(s.get("image")).contains("auto-setup")),
        "temporalio/auto-setup is deprecated and no longer built");
    assertTrue(atLeast(service("temporal").get("image"), "temporalio/server", 1, 29), "server 1.29 or newer");
    assertTrue(atLeast(service("temporal-ui").get("image"), "temporalio/ui", 2, 49), "UI 2.49.1 or newer keeps summaries");
    assertTrue(String.valueOf(service("postgresql").get("image")).startsWith("postgres:16"), "PostgreSQL 16");
  }

  private static boolean atLeast(Object image, String repository, int major, int minor) {
    Matcher m = Pattern.compile(Pattern.quote(repository) + ":(\\d+)\\.(\\d+)\\.(\\d+)").matcher(String.valueOf(image));
    if (!m.matches()) {
      return false;
    }
    int maj = Integer.parseInt(m.group(1));
    int min = Integer.parseInt(m.group(2));
    return maj > major || (maj == major && min >= minor);
  }

  @Test
  void longRunningServicesHaveHealthChecksAndJobsDoNot() {
    for (String name : List.of("postgresql", "temporal", "temporal-ui", "plasmavmc-gateway")) {
      assertNotNull(service(name).get("healthcheck"), name + " has a health check");
      assertNotNull(service(name).get("restart"), name + " restarts");
    }
    assertTrue(String.valueOf(service("plasmavmc-gateway").get("healthcheck")).contains("grpc_health_probe"),
        "the gateway is checked over gRPC health");
    for (String job : List.of("temporal-schema", "temporal-init")) {
      assertTrue(String.valueOf(service(job).get("restart")).startsWith("on-failure"), job + " retries a failure but ends");
    }
  }

  @Test
  void startUpIsOrderedByHealthAndCompletedJobs() {
    assertEquals("service_healthy", dependency("temporal-schema", "postgresql"));
    assertEquals("service_completed_successfully", dependency("temporal", "temporal-schema"), "schema job before the server");
    assertEquals("service_healthy", dependency("temporal-init", "temporal"));
    assertEquals("service_healthy", dependency("temporal-ui", "temporal"), "the UI starts on the server's health");
    assertEquals("service_completed_successfully", dependency("plasmavmc-gateway", "temporal-init"),
        "the gateway starts once the namespace and search attributes exist");
  }

  @Test
  @SuppressWarnings("unchecked")
  void postgresqlKeepsItsDataInANamedVolume() {
    List<String> volumes = (List<String>) service("postgresql").get("volumes");
    String data = volumes.stream().filter(v -> v.endsWith(":/var/lib/postgresql/data")).findFirst().orElseThrow();
    String volume = data.substring(0, data.indexOf(':'));
    assertTrue(((Map<String, Object>) compose.get("volumes")).containsKey(volume), "volume " + volume + " is declared");
  }

  @Test
  void theServerUsesPostgresqlExposesMetricsAndHasItsDynamicConfig() throws Exception {
    Map<String, Object> env = environment("temporal");
    assertEquals("postgres12", env.get("DB"));
    assertEquals("postgresql", env.get("POSTGRES_SEEDS"));
    assertNotNull(env.get("PROMETHEUS_ENDPOINT"), "Prometheus endpoint");
    assertTrue(Files.isRegularFile(ROOT.resolve("deploy/temporal/dynamicconfig.yaml")), "the dynamic config file the server requires");
  }

  @Test
  void theJobsScriptsExistAndDoTheirWork() throws Exception {
    String schema = Files.readString(ROOT.resolve("deploy/temporal/setup-schema.sh"));
    for (String step : List.of("create", "setup-schema -v 0.0", "update-schema -d")) {
      assertTrue(schema.contains(step), "schema job runs " + step);
    }
    assertTrue(schema.contains("temporal:temporal") && schema.contains("temporal_visibility:visibility"), "both databases");
    String namespace = Files.readString(ROOT.resolve("deploy/temporal/setup-namespace.sh"));
    for (var key : WorkflowSearchAttributes.ALL) {
      assertTrue(namespace.contains(key.getName()), "the init job registers " + key.getName() + ", which the VM and host workflows set");
    }
    for (String script : List.of("setup-schema.sh", "setup-namespace.sh")) {
      Process check = new ProcessBuilder("sh", "-n", ROOT.resolve("deploy/temporal").resolve(script).toString()).inheritIO().start();
      assertEquals(0, check.waitFor(), script + " is valid sh");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theGatewayImageIsBuiltHereAndRunsUnprivileged() throws Exception {
    Map<String, Object> build = (Map<String, Object>) service("plasmavmc-gateway").get("build");
    String dockerfile = Files.readString(ROOT.resolve(String.valueOf(build.get("dockerfile"))));
    assertTrue(dockerfile.contains("USER 65534"), "the gateway runs as nobody");
    assertTrue(dockerfile.contains("grpc-health-probe"), "the image carries the health check's probe");
    assertTrue(dockerfile.contains("io.plasmavmc.gateway.GatewayApplication"));
    Map<String, Object> env = environment("plasmavmc-gateway");
    assertNotNull(env.get("PLASMAVMC_GATEWAY_TOKENS_FILE"), "the gateway authenticates with bearer tokens");
    assertNotNull(env.get("PLASMAVMC_GATEWAY_TLS_CERT"), "the gateway, bound to 0.0.0.0 in its container, serves TLS");
    assertNotNull(env.get("PLASMAVMC_GATEWAY_TLS_KEY"));
    assertTrue(String.valueOf(service("plasmavmc-gateway").get("healthcheck")).contains("-tls"), "the health probe speaks TLS");
  }

  @Test
  void theWorkerRunsUnderSystemdAndLeavesItsQemusRunning() throws Exception {
    String unit = Files.readString(ROOT.resolve("deploy/plasmavmc-worker.service"));
    assertTrue(unit.contains("ExecStart=/opt/plasmavmc/plasmavmc worker"));
    assertTrue(unit.contains("KillMode=process"), "stopping the worker must not kill the VMs' QEMU processes");
    assertTrue(unit.contains("Restart=always"));
    assertTrue(unit.contains("RuntimeDirectoryPreserve=yes"), "QMP sockets and pidfiles survive a worker restart");
    assertFalse(services.containsKey("plasmavmc-worker"), "no worker container: it would take its QEMUs with it");
  }

  @Test
  void theHeaderSaysWhatTheFileIsForAndHowToReachTemporalFromOtherMachines() throws Exception {
    String header = Files.readAllLines(ROOT.resolve("docker-compose.yml")).stream().takeWhile(line -> line.startsWith("#"))
        .collect(Collectors.joining("\n"));
    for (String said : List.of("production", "./plasmavmc up", "7233", "docker-compose.tls.yml", "loopback")) {
      assertTrue(header.contains(said), "the header of docker-compose.yml mentions " + said);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void noServicePublishesTemporalsUnauthenticatedPortBeyondLoopback() {
    services.forEach((name, service) -> {
      assertFalse("host".equals(service.get("network_mode")), name + " does not share the host's network");
      for (Object port : (List<Object>) service.getOrDefault("ports", List.of())) {
        String mapping = String.valueOf(port);
        if (mapping.endsWith(":7233") || mapping.endsWith(":7233/tcp")) {
          assertTrue(mapping.startsWith("127.0.0.1:") || mapping.startsWith("[::1]:"),
              name + " publishes Temporal's plaintext port on loopback only, not on " + mapping);
        }
      }
    });
    assertTrue(String.valueOf(service("temporal").get("ports")).contains("127.0.0.1:7233:7233"),
        "a worker on the compose host reaches Temporal on loopback");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theTlsOverlayPublishesTemporalOnlyWithMutualTlsAndItsClientsUseTls() throws Exception {
    String text = Files.readString(ROOT.resolve("docker-compose.tls.yml"));
    assertTrue(text.contains("ports: !override"), "the overlay replaces the loopback-only port list rather than adding to it");
    // SnakeYAML knows nothing of Compose's merge tags; the structure under the tag is plain YAML.
    Map<String, Map<String, Object>> overlay = (Map<String, Map<String, Object>>) new Yaml()
        .<Map<String, Object>>load(text.replace(" !override", "")).get("services");
    Map<String, Object> temporal = overlay.get("temporal");
    Map<String, Object> env = (Map<String, Object>) temporal.get("environment");
    assertEquals("true", env.get("TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"), "a client certificate is required");
    for (String key : List.of("TEMPORAL_TLS_FRONTEND_CERT", "TEMPORAL_TLS_FRONTEND_KEY", "TEMPORAL_TLS_CLIENT1_CA_CERT",
        "TEMPORAL_TLS_SERVER_CERT", "TEMPORAL_TLS_SERVER_KEY", "TEMPORAL_TLS_SERVER_CA_CERT")) {
      assertNotNull(env.get(key), "the server's TLS setting " + key);
    }
    assertTrue(((List<String>) temporal.get("ports")).stream().anyMatch(p -> p.endsWith(":7233")), "published with TLS");

    // Every file a service is told to use lies in a directory mounted into it, and deploy/temporal/make-tls.sh makes it.
    Path made = Files.createTempDirectory("plasmavmc-tls");
    Process makeTls = new ProcessBuilder("bash", ROOT.resolve("deploy/temporal/make-tls.sh").toString(), "temporal.example.internal")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).directory(made.toFile()).start();
    assertTrue(makeTls.waitFor(60, TimeUnit.SECONDS) && makeTls.exitValue() == 0, "make-tls.sh makes the certificates");
    Map<String, List<String>> clientKeys = Map.of(
        "temporal", List.of("TEMPORAL_TLS_SERVER_CERT", "TEMPORAL_TLS_SERVER_KEY", "TEMPORAL_TLS_SERVER_CA_CERT"),
        "temporal-ui", List.of("TEMPORAL_TLS_CA", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY"),
        "temporal-init", List.of("TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH"),
        "plasmavmc-gateway", List.of("PLASMAVMC_TEMPORAL_TLS_CA", "PLASMAVMC_TEMPORAL_TLS_CERT", "PLASMAVMC_TEMPORAL_TLS_KEY"));
    clientKeys.forEach((name, keys) -> {
      Map<String, Object> serviceEnv = (Map<String, Object>) overlay.get(name).get("environment");
      List<String> mounts = ((List<String>) overlay.get(name).get("volumes")).stream()
          .map(v -> v.split(":")[v.split(":").length - 2]).toList();
      for (String key : keys) {
        Path file = Path.of(String.valueOf(serviceEnv.get(key)));
        assertTrue(mounts.contains(file.getParent().toString()), name + ": " + key + " lies in a mounted directory: " + file);
        assertTrue(Files.isRegularFile(made.resolve("temporal-tls").resolve(file.getFileName())),
            name + ": make-tls.sh makes " + file.getFileName());
      }
    });
    ScratchDirectories.delete(made);
  }

  @Test
  void theNamespaceJobGivesUpInBoundedTimeSayingWhatItWaitedFor() throws Exception {
    // A `temporal` that never reaches a server, as when the server never comes up.
    Path bin = Files.createTempDirectory("plasmavmc-no-temporal");
    Path temporal = bin.resolve("temporal");
    Files.writeString(temporal, "#!/bin/sh\necho 'connection refused' >&2\nexit 1\n");
    temporal.toFile().setExecutable(true);
    ProcessBuilder job = new ProcessBuilder("sh", ROOT.resolve("deploy/temporal/setup-namespace.sh").toString());
    job.environment().put("PATH", bin + ":/usr/bin:/bin");
    job.environment().put("TEMPORAL_ADDRESS", "temporal:7233");
    job.environment().put("PLASMAVMC_INIT_TIMEOUT", "1");
    Path output = bin.resolve("output");
    Process process = job.redirectErrorStream(true).redirectOutput(output.toFile()).start();
    boolean ended = process.waitFor(30, TimeUnit.SECONDS);
    if (!ended) {
      process.destroyForcibly();
    }
    String said = Files.readString(output);
    ScratchDirectories.delete(bin);
    assertTrue(ended, "the job ends by itself: " + said);
    assertEquals(1, process.exitValue(), said);
    assertTrue(said.contains("gave up after 1 s waiting for the Temporal server"), said);
  }
}
