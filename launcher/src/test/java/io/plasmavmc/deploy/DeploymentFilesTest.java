package io.plasmavmc.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.plasmavmc.contract.VmSearchAttributes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and the files it and the worker's systemd unit rely on, checked for the
 * structure a production user relies on (no Docker engine runs here to bring it up): pinned
 * images, a health check on every long-running service, start-up ordered by health and completed
 * jobs, the schema job before the server, the search attributes the workflows set.
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
    for (var key : VmSearchAttributes.ALL) {
      assertTrue(namespace.contains(key.getName()), "the init job registers " + key.getName() + ", which the VM workflows set");
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
}
